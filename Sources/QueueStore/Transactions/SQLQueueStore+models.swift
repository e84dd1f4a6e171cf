import Foundation
import GRDB
import Scheduler

extension SQLQueueStore {
    public typealias ModelRefresh = QueueStore.ModelRefresh

    /// The provider's models as last refreshed, with the vanished ones marked decommissioned.
    public func providerModels(provider: String) async throws -> [ProviderModel] {
        try await engine.read { db in
            try db.rows(ProviderModelsSQL.all, [provider]).map {
                ProviderModel(id: $0[0], contextWindow: $0[1], maxOutput: $0[2], ownedBy: $0[3], status: $0[4])
            }
        }
    }

    /// Records the provider's current list in one transaction. Models the catalog or an earlier list
    /// knew that are missing now become decommissioned, so claims move their jobs on without a call.
    public func refreshProviderModels(
        provider: String, listed: [ProviderModel], catalogIDs: Set<String>, now: Date = Date()
    ) async throws -> ModelRefresh {
        try await engine.write { db in
            var refresh = ModelRefresh(listed: listed.count)
            let earlier = try db.rows(ProviderModelsSQL.all, [provider])
            let earlierIDs = Set(earlier.map { $0[0] as String })
            let earlierActive = Set(earlier.filter { ($0[4] as String) == "active" }.map { $0[0] as String })
            let listedIDs = Set(listed.map(\.id))
            for model in listed {
                if !earlierIDs.contains(model.id) && !catalogIDs.contains(model.id) { refresh.added.append(model.id) }
                try db.execute(
                    ProviderModelsSQL.upsert,
                    [
                        provider, model.id, model.contextWindow, model.maxOutput, model.ownedBy, "active", now.unixSeconds,
                    ])
            }
            let knownBefore = catalogIDs.union(earlierIDs)
            for id in knownBefore.subtracting(listedIDs).sorted() {
                // A catalog model never listed and already marked stays as it is; report only fresh news.
                if earlierActive.contains(id) || !earlierIDs.contains(id) { refresh.vanished.append(id) }
                try db.execute(ProviderModelsSQL.upsert, [provider, id, nil, nil, nil, "decommissioned", now.unixSeconds])
            }
            refresh.added.sort()
            try db.execute(WorkersSQL.bumpChanges)
            return refresh
        }
    }
}
