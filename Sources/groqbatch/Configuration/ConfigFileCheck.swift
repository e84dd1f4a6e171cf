import Foundation
import JobFormats

/// Checks a configuration file before anything reads it: valid JSON, only known keys, each of the right
/// type, and no API key (keys belong in the environment, never in a file that gets copied around).
enum ConfigFileCheck {
    static func check(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("\(path): cannot read the configuration file")
        }
        let root: JSONValue
        do { root = try JSONValue.decode(data) } catch {
            throw CommandFailure("\(path): not valid JSON: \(error)")
        }
        guard let object = root.objectValue else { throw CommandFailure("\(path): must hold a JSON object, not \(root.typeName)") }
        try check(object, prefix: [], file: path)
    }

    static func check(_ object: [String: JSONValue], prefix: [String], file: String) throws {
        let sections = Set(
            SettingKey.allCases.compactMap { $0.path.count > prefix.count + 1 && Array($0.path.prefix(prefix.count)) == prefix ? $0.path[prefix.count] : nil })
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            let path = prefix + [name]
            let dotted = path.joined(separator: ".")
            if name.lowercased().contains("api_key") && name != "api_key_env" {
                throw CommandFailure("\(file): \(dotted): the API key is never read from a file; export it as GROQ_API_KEY (or the variable api_key_env names)")
            }
            if sections.contains(name) {
                guard let inner = value.objectValue else { throw CommandFailure("\(file): \(dotted): expected an object, got \(value.typeName)") }
                try check(inner, prefix: path, file: file)
                continue
            }
            guard let key = SettingKey(rawValue: dotted) else {
                let known = SettingKey.allCases.map(\.rawValue).joined(separator: ", ")
                throw CommandFailure("\(file): \(dotted): unknown key (known keys: \(known))")
            }
            guard matches(value, key.kind) else {
                throw CommandFailure("\(file): \(dotted): expected \(key.kind.name), got \(value.typeName)")
            }
        }
    }

    static func matches(_ value: JSONValue, _ kind: SettingKey.Kind) -> Bool {
        switch (kind, value) {
        case (.string, .string), (.number, .number), (.boolean, .bool): true
        case (.integer, .number): value.integerValue != nil
        case (.strings, .array(let items)): items.allSatisfy { $0.stringValue != nil }
        default: false
        }
    }
}
