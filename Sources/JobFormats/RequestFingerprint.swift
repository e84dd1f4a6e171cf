/// The two fingerprints a job's request carries into the queue: whether it is the same request as
/// another (answer reuse) and which prompt prefix it shares with others (prompt-cache-aware ordering).
///
/// Both are FNV-1a hashes of canonical JSON (keys sorted, as `jsonString()` writes it), as 16 hex digits.
/// A reuse key is only a lookup key: the store compares the full request text too, so a collision can
/// never hand a job another request's answer. A prefix collision would only order two groups as one.
public enum RequestFingerprint {
    /// Leading messages shorter than this (in characters of content) are not worth holding a group back
    /// for: providers cache prefixes of some length (Groq: blocks of tokens), and a short one saves little.
    public static let minimumPrefixCharacters = 128

    /// The reuse key of a body sent to `models`, or nil when the request is not deterministic (neither
    /// `temperature` 0 nor a `seed`), so that two calls may rightly answer differently.
    public static func reuseKey(requestJSON: String, models: [String], body: [String: JSONValue]) -> String? {
        let deterministic = body["temperature"]?.numberValue == 0 || body["seed"]?.numberValue != nil
        guard deterministic else { return nil }
        var bytes = Array(JSONValue.array(models.map(JSONValue.string)).jsonString().utf8)
        bytes.append(0x0A)
        bytes += requestJSON.utf8
        return hex(bytes)
    }

    /// The prefix every message but the last makes (the system prompt, few-shot turns: what a template's
    /// `--system-template` renders the same for every row), with its characters of content; nil for a
    /// single message or a prefix shorter than `minimumPrefixCharacters`.
    public static func prefix(body: [String: JSONValue]) -> (key: String, characters: Int)? {
        guard let messages = body["messages"]?.arrayValue, messages.count > 1 else { return nil }
        let leading = Array(messages.dropLast())
        let characters = leading.reduce(0) { $0 + contentCharacters($1) }
        guard characters >= minimumPrefixCharacters else { return nil }
        return (hex(Array(JSONValue.array(leading).jsonString().utf8)), characters)
    }

    /// Characters of a message's content: its text, or the text of its parts.
    static func contentCharacters(_ message: JSONValue) -> Int {
        switch message.objectValue?["content"] {
        case .string(let text): text.count
        case .array(let parts): parts.reduce(0) { $0 + ($1.objectValue?["text"]?.stringValue?.count ?? 0) }
        default: 0
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
