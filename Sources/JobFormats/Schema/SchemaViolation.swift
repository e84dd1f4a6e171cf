/// Where an answer breaks its schema: the JSON pointer of the offending value and the rule it broke,
/// as the `schema_mismatch` error tells it ("at /people/0/age: 3.5 is not an integer").
public struct SchemaViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// RFC 6901 pointer into the answer; empty for the whole answer.
    public var pointer: String
    /// The keyword that failed (`type`, `required`, ...), for counting and tests.
    public var keyword: String
    /// What the value should have been.
    public var message: String

    public var description: String { "at \(pointer.isEmpty ? "/" : pointer): \(message) (\(keyword))" }

    /// `pointer` with one more step, escaped as RFC 6901 says (`~` as `~0`, `/` as `~1`).
    static func appending(_ pointer: String, _ step: String) -> String {
        pointer + "/" + step.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
