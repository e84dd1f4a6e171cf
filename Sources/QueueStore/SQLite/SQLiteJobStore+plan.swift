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
            var byExecutor: [String: [ModelDemand]] = [:]
            var merged: [String: ModelDemand] = [:]
            for row in try Row.fetchAll(db, sql: JobsSQL.demandByModel(batchFilter: batch != nil), arguments: arguments) {
                let demand = ModelDemand(
                    model: row[0] ?? "(chain used up)", requests: row[1], promptCharacters: row[2], maxTokens: row[3],
                    withoutMaxTokens: row[4])
                byExecutor[row[5], default: []].append(demand)
                merged[demand.model] = merged[demand.model].map { $0.adding(demand) } ?? demand
            }
            var demands = merged.values.sorted { $0.model < $1.model }
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
                demands: demands, executorDemands: byExecutor, history: history, notBefore: notBefore.map(Date.init(timeIntervalSince1970:)),
                deadline: deadline.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// What is known of each model for planning: limits (the meters' where they exist, else the
    /// catalog's), the learned estimator, prices, and the history of earlier answers.
    public func planOutlooks(
        models: Set<String>, history: [String: PlanInputs.History], catalog: ModelCatalog, provider: String
    ) throws -> [String: ModelOutlook] {
        let meters = try meterStatuses().filter { $0.provider == provider }
        let estimators = try self.estimators().filter { $0.provider == provider }
        var outlooks: [String: ModelOutlook] = [:]
        for model in models {
            let entry = catalog.entries[model]
            var outlook = ModelOutlook(
                estimator: estimators.first { $0.model == model }?.estimator, maxOutput: entry?.maxOutput,
                inputPrice: entry?.inputPrice, outputPrice: entry?.outputPrice)
            for kind in LimitKind.allCases {
                if let meter = meters.first(where: { $0.model == model && $0.kind == kind.rawValue }) {
                    guard let value = meter.limit else { continue }
                    let confirmed = [LimitSource.config, .header, .rateLimitError].map(\.rawValue).contains(meter.source)
                    outlook.limits[kind] = .init(value: value, confirmed: confirmed, used: meter.used)
                } else if let value = catalog.startingLimit(model: model, kind: kind).limit {
                    outlook.limits[kind] = .init(value: value, confirmed: false)
                }
            }
            if let known = history[model] {
                outlook.completionRatio = known.completionRatio
                outlook.averageCompletion = known.averageCompletion
                outlook.latency = known.latency
            }
            outlooks[model] = outlook
        }
        return outlooks
    }
}
