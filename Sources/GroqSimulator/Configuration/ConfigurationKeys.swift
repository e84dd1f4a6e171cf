/// Strict decoding: a misspelt key in a simulator configuration is an error, not a silent default.
enum ConfigurationKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func rejectUnknown<Keys: CodingKey & CaseIterable>(in decoder: any Decoder, known: Keys.Type) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let knownNames = Set(Keys.allCases.map(\.stringValue))
        if let unknown = container.allKeys.first(where: { !knownNames.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(
                forKey: unknown, in: container,
                debugDescription: "unknown key '\(unknown.stringValue)'; known keys: \(knownNames.sorted().joined(separator: ", "))")
        }
    }
}
