import Mustache

/// A prompt written as a Mustache template (`{{column}}`, sections, partials not supported) and rendered
/// with one row's columns. Prompt text is not HTML: nothing is escaped.
public struct PromptTemplate: Sendable {
    /// The template's file, for messages.
    public let file: String
    let template: MustacheTemplate
    /// The names the template reads from a row (outside any section that could supply them), in the
    /// order they first appear: each must be a column.
    public let variables: [String]

    /// Why a template cannot be used.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(file: String, text: String) throws(Problem) {
        self.file = file
        do {
            // The pragma makes `{{x}}` insert text as it is, as `{{{x}}}` would.
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
        } catch {
            throw Problem(description: "\(file): cannot parse the template: \(error)")
        }
        variables = Self.variables(of: template)
    }

    /// The prompt for one row; `null` and missing columns render as nothing.
    public func render(_ row: [String: JSONValue]) -> String {
        template.render(Self.mustacheValue(.object(row)) ?? [String: Any]())
    }

    /// Rendering twice with a recording row finds every name looked up at the top: once with every
    /// name present (sections open) and once with none (inverted sections open).
    static func variables(of template: MustacheTemplate) -> [String] {
        let present = NameProbe(answer: true)
        _ = template.render(present)
        let absent = NameProbe(answer: false)
        _ = template.render(absent)
        var seen: Set<String> = []
        return (present.names + absent.names).filter { seen.insert($0).inserted }
    }

    /// A JSON value as Mustache reads it. Numbers render as JSON writes them (3, not 3.0); null and empty
    /// text are absent.
    static func mustacheValue(_ value: JSONValue) -> Any? {
        switch value {
        case .null: nil
        case .bool(let flag): flag
        case .number: value.jsonString()
        // An empty field is false in a section, as a blank cell means "none": {{#notes}}...{{/notes}}.
        case .string(let text): text.isEmpty ? nil : text
        case .array(let items): items.map { mustacheValue($0) ?? "" }
        case .object(let members): members.compactMapValues { mustacheValue($0) }
        }
    }
}

/// A row that records the names the template asks it for. Below the top it answers for everything
/// (with itself), so names inside sections resolve there and are not taken for columns.
private final class NameProbe: MustacheParent, CustomStringConvertible {
    let answer: Bool
    var names: [String] = []
    init(answer: Bool) { self.answer = answer }

    func child(named name: String) -> Any? {
        names.append(name)
        return answer ? NestedProbe() : nil
    }

    var description: String { "" }
}

private final class NestedProbe: MustacheParent, CustomStringConvertible {
    func child(named name: String) -> Any? { self }
    var description: String { "" }
}
