/// The columns export adds to each job: its batch (an export of every batch), its input row
/// (`--with-input`) and fields of its parsed answer (`--fields category,people.0.name`).
public struct ExportColumns: Sendable, Equatable {
    /// Whether CSV rows start with the job's batch: custom ids are unique within a batch only, so an
    /// export of several batches needs it to tell their rows apart. JSONL lines keep the Batch API form.
    public var batch = false
    /// The input row's columns, for CSV; JSONL carries the whole row as `input`.
    public var inputColumns: [String] = []
    /// Whether JSONL lines carry the input row.
    public var withInput = false
    /// Paths into the parsed answer: object keys and array indexes, separated by dots.
    public var fields: [String] = []

    public init(batch: Bool = false, inputColumns: [String] = [], withInput: Bool = false, fields: [String] = []) {
        self.batch = batch
        self.inputColumns = inputColumns
        self.withInput = withInput
        self.fields = fields
    }

    /// `--fields` as given: `*` stands for every top-level property of `sample` (a parsed answer), in
    /// its order.
    public static func fields(_ spec: String, sample: String?) -> [String] {
        spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.flatMap { field -> [String] in
            guard field == "*" else { return [field] }
            guard let sample, let decoded = try? JSONValue.decodeKeepingKeyOrder(Array(sample.utf8)) else { return [] }
            return decoded.keys
        }
    }

    /// The keys of a stored object, in the order stored.
    public static func keys(of object: String?) -> [String] {
        guard let object, let decoded = try? JSONValue.decodeKeepingKeyOrder(Array(object.utf8)) else { return [] }
        return decoded.keys
    }

    /// The CSV header's extra names: input columns (prefixed `input.` where one would repeat a name),
    /// then the fields.
    func csvHeader(base: [String]) -> [String] {
        let taken = Set(base + fields)
        return inputColumns.map { taken.contains($0) ? "input." + $0 : $0 } + fields
    }

    /// The CSV row's extra values.
    func csvValues(_ row: ExportRow) -> [String] {
        let input = row.input.flatMap { try? JSONValue.decode(Array($0.utf8)) }
        let parsed = row.parsed.flatMap { try? JSONValue.decode(Array($0.utf8)) }
        return inputColumns.map { Self.text(input?[$0]) } + fields.map { Self.text(Self.value(at: $0, in: parsed)) }
    }

    /// The value at a dotted path (`people.0.name`), or nil.
    static func value(at path: String, in value: JSONValue?) -> JSONValue? {
        var node = value
        for step in path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            switch node {
            case .object(let members)?: node = members[step]
            case .array(let items)?: node = Int(step).flatMap { items.indices.contains($0) ? items[$0] : nil }
            default: return nil
            }
        }
        return node
    }

    /// A value in a CSV cell: text as it is, anything else as JSON, null and missing as empty.
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: ""
        case .string(let text)?: text
        case let other?: other.jsonString()
        }
    }
}
