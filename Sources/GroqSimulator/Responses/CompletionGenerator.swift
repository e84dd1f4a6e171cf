/// Deterministic answers: the same model and messages always give the same text and length.
enum CompletionGenerator {
    /// Words the tokenizer counts as one token each.
    static let vocabulary = [
        "the", "queue", "ran", "every", "prompt", "under", "its", "budget", "and", "wrote", "answer", "to",
        "disk", "while", "model", "tokens", "batch", "night", "worker", "limit", "clear", "result", "kept",
        "steady", "fast", "quiet", "order", "safe", "line", "done",
    ]

    /// The completion for a request: its text, its token count and whether `maxTokens` cut it short.
    static func generate(model: String, body: [UInt8], maxTokens: Int) -> (text: String, tokens: Int, finishReason: String) {
        var generator = SplitMix64(seed: FNV1a.hash(body) ^ FNV1a.hash(Array(model.utf8)))
        let wanted = 12 + Int(generator.next() % 180)
        let tokens = max(1, min(wanted, maxTokens))
        var words: [String] = []
        words.reserveCapacity(tokens)
        // Every word is one token and the closing period is one more.
        for _ in 0..<(tokens - 1) {
            words.append(vocabulary[Int(generator.next() % UInt64(vocabulary.count))])
        }
        let text = words.isEmpty ? "." : words.joined(separator: " ") + "."
        return (text, tokens, wanted > maxTokens ? "length" : "stop")
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// FNV-1a, 64 bits: the request log's body hash, and the seed of each answer.
enum FNV1a {
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        return value
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let text = String(hash(bytes), radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
