import Foundation
import GRDB
import Scheduler

extension SQLQueueStore {
    public func undecidedAutoGroups() async throws -> [UndecidedGroup] {
        try await engine.read { db in
            try db.rows(RemoteBatchesSQL.undecidedGroups(db.dialect)).compactMap { row in
                guard let model: String = row[1] else { return nil }
                let deadline: Double? = row[2]
                return UndecidedGroup(
                    batchID: row[0], deadline: deadline.map(Date.init(timeIntervalSince1970:)),
                    demand: ModelDemand(model: model, requests: row[3], promptCharacters: row[4], maxTokens: row[5], withoutMaxTokens: row[6]))
            }
        }
    }

    /// Gives the first `onDemand` undecided jobs of a batch and model (in queue order) to on-demand calls
    /// and the rest to the Batch API, in one transaction.
    public func decideAuto(batchID: Int64, model: String, onDemand: Int, now: Date = Date()) async throws {
        try await engine.write { db in
            let seconds = now.unixSeconds
            try db.execute(RemoteBatchesSQL.decideOnDemand(db.dialect), [seconds, batchID, model, onDemand])
            try db.execute(RemoteBatchesSQL.decideBatchAPI(db.dialect), [seconds, batchID, model])
            try db.execute(WorkersSQL.bumpChanges)
        }
    }
}
