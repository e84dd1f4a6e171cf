import Foundation
import GRDB
import Scheduler

extension SQLQueueStore {
    /// The unfinished work of one batch (or all) and what earlier runs tell about its models, read in one
    /// snapshot.
    /// With a `catalog`, each job counts under the model it will really call: past decommissioned models
    /// in its chain, as a claim moves it, and jobs asking more output than that model allows are counted.
    public func planInputs(batch: String?, catalog: ModelCatalog? = nil) async throws -> PlanInputs {
        try await engine.read { db in
            var arguments: SQLArguments = []
            if let batch {
                guard try db.value(Int64.self, BatchesSQL.find, [batch]) != nil else {
                    throw NotFoundError(description: "no batch named '\(batch)'")
                }
                arguments = [batch]
            }
            // Per executor, per model called next: the demand, and the chain keys that lead to that model.
            var byExecutor: [String: [String: ModelDemand]] = [:]
            var keysByModel: [String: [String]] = [:]
            for row in try db.rows(JobsSQL.demandByChain(batchFilter: batch != nil), arguments) {
                let chainJSON: String = row[0]
                let index: Int = row[1]
                let chain = (try? JSONDecoder().decode([String].self, from: Data(chainJSON.utf8))) ?? []
                let model = QueueSteps.modelCalledNext(chain: chain, index: index, catalog: catalog)
                var demand = ModelDemand(model: model, requests: row[2], promptCharacters: row[3], maxTokens: row[4], withoutMaxTokens: row[5])
                let executor: String = row[6]
                // On demand, every job of a shared prefix but the first of its group reads it from the cache.
                demand.cacheableCharacters = executor == Executor.onDemand.rawValue ? Int((row[7] as Double).rounded()) : 0
                byExecutor[executor, default: [:]][model] = byExecutor[executor]?[model].map { $0.adding(demand) } ?? demand
                keysByModel[model, default: []].append("\(chainJSON)#\(index)")
            }
            for (model, keys) in keysByModel {
                guard let limit = catalog?.entries[model]?.maxOutput else { continue }
                let keyList = QueueSteps.jsonArray(Array(Set(keys)))
                for row in try db.rows(JobsSQL.overOutputLimit(batchFilter: batch != nil, dialect: db.dialect), [limit, keyList] + arguments) {
                    let executor: String = row[0]
                    byExecutor[executor]?[model]?.overOutputLimit = row[1]
                    byExecutor[executor]?[model]?.overOutputLimitMaxTokens = row[2]
                }
            }
            var merged: [String: ModelDemand] = [:]
            for demand in byExecutor.values.flatMap(\.values) {
                merged[demand.model] = merged[demand.model].map { $0.adding(demand) } ?? demand
            }
            let demands = merged.values.sorted { $0.model < $1.model }
            let executorDemands = byExecutor.mapValues { $0.values.sorted { $0.model < $1.model } }
            var history: [String: PlanInputs.History] = [:]
            for row in try db.rows(ResultsSQL.completionHistory) {
                let completions: Double? = row[1]
                let asked: Double? = row[2]
                var entry = PlanInputs.History()
                if let completions, let asked, asked > 0 { entry.completionRatio = completions / asked }
                entry.averageCompletion = row[3]
                history[row[0]] = entry
            }
            for row in try db.rows(AttemptsSQL.latencyByModel) {
                history[row[0], default: PlanInputs.History()].latency = row[1]
            }
            let schedule = try db.row(BatchesSQL.scheduleOfUnfinished(batchFilter: batch != nil), arguments)
            let notBefore: Double? = schedule?[0]
            let deadline: Double? = schedule?[1]
            return PlanInputs(
                demands: demands, executorDemands: executorDemands, history: history, notBefore: notBefore.map(Date.init(timeIntervalSince1970:)),
                deadline: deadline.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// What is known of each model for planning: limits (the meters' where they exist, else the
    /// catalog's), the learned estimator, prices, and the history of earlier answers.
    public func planOutlooks(
        models: Set<String>, history: [String: PlanInputs.History], catalog: ModelCatalog, provider: String
    ) async throws -> [String: ModelOutlook] {
        let meters = try await meterStatuses().filter { $0.provider == provider }
        let estimators = try await self.estimators().filter { $0.provider == provider }
        var outlooks: [String: ModelOutlook] = [:]
        for model in models {
            let entry = catalog.entries[model]
            var outlook = ModelOutlook(
                estimator: estimators.first { $0.model == model }?.estimator, maxOutput: entry?.maxOutput,
                inputPrice: entry?.inputPrice, outputPrice: entry?.outputPrice)
            outlook.promptCaching = entry?.promptCaching == true || outlook.estimator?.seenCaching == true
            for kind in LimitKind.allCases {
                if let meter = meters.first(where: { $0.model == model && $0.kind == kind }) {
                    guard let value = meter.limit else { continue }
                    outlook.limits[kind] = .init(value: value, confirmed: meter.firm, used: meter.used, burstable: meter.floor)
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

extension QueueSteps {
    /// The model a job at `index` of `chain` will call: the first from there on that is not
    /// decommissioned (a claim moves jobs past those without a call), or a marker when none is left.
    static func modelCalledNext(chain: [String], index: Int, catalog: ModelCatalog?) -> String {
        guard chain.indices.contains(index) else { return PlanInputs.chainUsedUp }
        let usable = chain[index...].first { catalog?.entries[$0]?.isDecommissioned != true }
        return usable ?? PlanInputs.chainUsedUp
    }
}
