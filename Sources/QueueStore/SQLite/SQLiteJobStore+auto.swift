import Foundation
import GRDB
import Scheduler

extension SQLiteJobStore {
    /// Jobs of one `--via auto` batch and model still waiting for an executor.
    public struct UndecidedGroup: Sendable {
        public var batchID: Int64
        public var deadline: Date?
        public var demand: ModelDemand
    }

    public func undecidedAutoGroups() throws -> [UndecidedGroup] {
        try pool.read { db in
            try Row.fetchAll(db, sql: RemoteBatchesSQL.undecidedGroups).compactMap { row in
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
    public func decideAuto(batchID: Int64, model: String, onDemand: Int, now: Date = Date()) throws {
        try pool.write { db in
            let seconds = now.unixSeconds
            try db.execute(sql: RemoteBatchesSQL.decideOnDemand, arguments: [seconds, batchID, model, onDemand])
            try db.execute(sql: RemoteBatchesSQL.decideBatchAPI, arguments: [seconds, batchID, model])
            try db.execute(sql: WorkersSQL.bumpChanges)
        }
    }
}
