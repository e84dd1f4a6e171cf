import Foundation
import JobFormats
import Logging

/// A swift-log handler writing one JSON object per line to standard error (`--log-format json`), for
/// journald, Loki and `jq`: `{"time": ..., "level": ..., "label": ..., "message": ..., <metadata>...}`.
struct JSONLogHandler: LogHandler {
    var label: String
    var logLevel: Logger.Level = .notice
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    /// Where each line goes: standard error, or above the progress line on a terminal.
    var write: @Sendable (String) -> Void

    init(label: String, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [
            "time": .string(Self.timestamp(Date())), "level": .string(event.level.rawValue), "label": .string(label),
            "message": .string(event.message.description),
        ]
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged where fields[key] == nil { fields[key] = Self.json(value) }
        // One write per line, so lines from concurrent tasks never interleave.
        write(JSONValue.object(fields).jsonString() + "\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let dictionary): .object(dictionary.mapValues(json))
        }
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
