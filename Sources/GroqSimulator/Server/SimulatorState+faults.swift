// The fault draws (one per request for transport and server faults, one more for a best-effort
// structured answer) and the prefix cache's lookups.
extension SimulatorState {
    /// `json_validate_failed`, `invalid_json` or (for schemas) `schema_violation`, by their rates; nil mostly.
    func drawStructuredFault(schema: Bool) -> String? {
        let draw = Double(random.next() >> 11) / Double(1 << 53)
        let faults = configuration.faults
        var cumulative = faults.jsonValidateFailed
        if draw < cumulative { return "json_validate_failed" }
        cumulative += faults.invalidJSON
        if draw < cumulative { return "invalid_json" }
        cumulative += schema ? faults.schemaViolation : 0
        return draw < cumulative ? "schema_violation" : nil
    }

    func drawFault() -> Fault? {
        let draw = Double(random.next() >> 11) / Double(1 << 53)
        var cumulative = 0.0
        for (fault, rate) in configuration.faults.ordered where rate > 0 {
            cumulative += rate
            if draw < cumulative { return fault }
        }
        return nil
    }

    /// The prompt tokens of `messages` the model reads from its prefix cache: every message but the last,
    /// when a request processed them within the cache's lifetime.
    func cachedTokens(model: SimulatedModel, messages: [[String: Any]]) -> (tokens: Int, prefix: CachedPrefix?) {
        guard model.promptCaching, messages.count > 1 else { return (0, nil) }
        let prefix = messages.dropLast()
        let tokens = prefix.reduce(0) { $0 + SimTokenizer.perMessage + (Self.contentText($1["content"]).map(SimTokenizer.count) ?? 0) }
        var key: [UInt8] = Array(model.id.utf8)
        for message in prefix {
            key += Array(((message["role"] as? String) ?? "").utf8) + [0] + Array((Self.contentText(message["content"]) ?? "").utf8) + [1]
        }
        let cached = CachedPrefix(hash: FNV1a.hash(key), tokens: tokens)
        return (prefixCaches[model.id, default: PrefixCache()].lookUp(prefix: cached.hash, tokens: tokens, at: now()), cached)
    }

    /// A request's leading messages, cached for the model once the request is processed.
    struct CachedPrefix: Sendable {
        var hash: UInt64
        var tokens: Int
    }
}
