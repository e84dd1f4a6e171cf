/// Groq's prompt caching as the simulator plays it: a request whose leading messages (every message but
/// the last: the system prompt, few-shot turns) match, exactly, a prefix some request to the same model
/// processed within `lifetime` seconds reads those tokens from the cache. A prefix is cached once the
/// request that carried it has been processed: requests sent together with a cold prefix all miss.
/// Cached tokens are billed at half price and, once processed, given back to the tokens-per-minute limit.
struct PrefixCache: Sendable {
    /// Seconds a prefix stays cached without use (Groq: about two hours).
    var lifetime: Double = 7_200
    /// Prefixes shorter than this are not cached.
    var minimumTokens = 32
    private var lastUsed: [UInt64: Double] = [:]

    /// The cached tokens of a request with this prefix now (a hit keeps the prefix cached longer).
    mutating func lookUp(prefix: UInt64, tokens: Int, at now: Double) -> Int {
        guard tokens >= minimumTokens, let used = lastUsed[prefix], now - used <= lifetime else { return 0 }
        lastUsed[prefix] = now
        return tokens
    }

    /// A request carrying the prefix has been processed: it is cached from now.
    mutating func store(prefix: UInt64, tokens: Int, at now: Double) {
        guard tokens >= minimumTokens else { return }
        lastUsed[prefix] = now
        if lastUsed.count > 100_000 { lastUsed = lastUsed.filter { now - $0.value <= lifetime } }
    }
}
