/// An API key that never shows itself: printing, logging or dumping it gives `gsk_…(redacted)`.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key, for the Authorization header only.
    let secret: String

    public init(_ secret: String) {
        self.secret = secret
    }

    public var isEmpty: Bool { secret.isEmpty }

    public var description: String { "\(secret.prefix(4))…(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["key": description]) }

    /// `text` with every occurrence of the key replaced, for messages that may echo a request.
    public func redact(_ text: String) -> String {
        guard secret.count >= 4 else { return text }
        return text.replacing(secret, with: description)
    }
}
