import Foundation

extension SQLQueueStore {
    /// Moves what the queue learned about a provider under older spellings of its base URL (`localhost`
    /// for `127.0.0.1`, a trailing slash, `:443`, a host in capitals: a queue from before keys were
    /// normalized) to its `ProviderKey`: pinned and learned limits, the day's spends, the estimator, the
    /// model list and warm prefixes. Without it an upgraded worker would start from guesses, with the day's
    /// use of its daily limits forgotten. A row the key already has stays as it is. Returns the spellings
    /// something moved from. Remote batches need no move: they are leased under any spelling of the key.
    public func adoptProviderSpellings(_ provider: String) async throws -> [String] {
        let key = ProviderKey(provider)
        let older = try await engine.read { db in
            try db.values(String.self, ProviderKeysSQL.spellings).filter { $0 != key.rawValue && key.names($0) }
        }
        guard !older.isEmpty else { return [] }
        return try await engine.write { db in
            // Both spellings' meters are serialized: a worker still on the older one waits for the move.
            for spelling in ([key.rawValue] + older).sorted() { try db.lockBudgets(provider: spelling) }
            return try older.filter { spelling in
                try ProviderKeysSQL.moves.reduce(0) { $0 + (try db.execute($1, [key.rawValue, spelling])) } > 0
            }
        }
    }
}
