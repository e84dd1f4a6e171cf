import Foundation
import GRDB
import Scheduler

extension SQLiteJobStore {
    /// The unfinished work of one batch (or all) and what earlier runs tell about its models, read in one
    /// snapshot.
    /// `outputLimits` (each model's largest output, from the catalog) finds jobs the provider will refuse.
    public func planInputs(batch: String?, outputLimits: [String: Int] = [:]) throws -> PlanInputs {
        try pool.read { db in
            var arguments: StatementArguments = []
            if let batch {
                guard try Int64.fetchOne(db, sql: BatchesSQL.find, arguments: [batch]) != nil else {
                    throw NotFoundError(description: "no batch named '\(batch)'")
                }
                arguments = [batch]
            }
            var demands = try Row.fetchAll(db, sql: JobsSQL.demandByModel(batchFilter: batch != nil), arguments: arguments).map { row in
                ModelDemand(
                    model: row[0] ?? "(chain used up)", requests: row[1], promptCharacters: row[2], maxTokens: row[3],
                    withoutMaxTokens: row[4])
            }
            for index in demands.indices {
                guard let limit = outputLimits[demands[index].model] else { continue }
                let over = try Row.fetchOne(
                    db, sql: JobsSQL.overOutputLimit(batchFilter: batch != nil),
                    arguments: [demands[index].model, limit] + arguments)
                demands[index].overOutputLimit = over?[0] ?? 0
                demands[index].overOutputLimitMaxTokens = over?[1] ?? 0
            }
            var history: [String: PlanInputs.History] = [:]
            for row in try Row.fetchAll(db, sql: ResultsSQL.completionHistory) {
                let completions: Double? = row[1]
                let asked: Double? = row[2]
                var entry = PlanInputs.History()
                if let completions, let asked, asked > 0 { entry.completionRatio = completions / asked }
                entry.averageCompletion = row[3]
                history[row[0]] = entry
            }
            for row in try Row.fetchAll(db, sql: AttemptsSQL.latencyByModel) {
                history[row[0], default: PlanInputs.History()].latency = row[1]
            }
            let schedule = try Row.fetchOne(db, sql: BatchesSQL.scheduleOfUnfinished(batchFilter: batch != nil), arguments: arguments)
            let notBefore: Double? = schedule?[0]
            let deadline: Double? = schedule?[1]
            return PlanInputs(
                demands: demands, history: history, notBefore: notBefore.map(Date.init(timeIntervalSince1970:)),
                deadline: deadline.map(Date.init(timeIntervalSince1970:)))
        }
    }
}
