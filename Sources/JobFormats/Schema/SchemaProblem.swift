/// Why a schema cannot be used: a keyword groqbatch does not check, a `$ref` that leads nowhere, a
/// value of the wrong kind, or (for strict mode) what Groq's constrained decoding requires.
public struct SchemaProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// RFC 6901 pointer into the schema.
    public var pointer: String
    public var message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { "at \(pointer.isEmpty ? "/" : pointer): \(message)" }
}
