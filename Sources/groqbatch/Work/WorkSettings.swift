import Foundation
import Logging
import Scheduler
import Worker

/// The worker's settings after layering (flags, environment, file, defaults), each checked with an error
/// that names where a bad value came from.
struct WorkSettings {
    var concurrency: Int
    var grace: Double
    var lease: Double
    var backoffBase: Double
    var backoffCap: Double
    var maxTokensPerDay: Int?
    var maxCostPerDay: Double?
    var progressInterval: Double
    var logLevel: Logger.Level
    /// `json` writes one JSON object per log line.
    var jsonLogs: Bool
    var timeZone: TimeZone
    var schedule: RunSchedule?

    /// Seconds between progress lines when standard error is not a terminal.
    static let defaultProgressInterval: Double = 30
    /// How log lines are written.
    enum LogFormat: String {
        /// swift-log's plain lines.
        case text
        /// One JSON object a line, for journald, Loki or jq.
        case json
    }

    /// How `work` logs unless told otherwise.
    static let defaultLogLevel = Logger.Level.notice

    init(_ settings: Settings) throws {
        concurrency = settings.int(.workConcurrency) ?? WorkerConfiguration.Defaults.concurrency
        guard concurrency >= 1 else { throw settings.invalid(.workConcurrency, "must be at least 1 (got \(concurrency))") }
        grace = settings.double(.workGrace) ?? WorkerConfiguration.Defaults.grace
        guard grace >= 0 else { throw settings.invalid(.workGrace, "must be 0 or more seconds") }
        lease = settings.double(.workLease) ?? WorkerConfiguration.Defaults.leaseDuration
        guard lease >= 3 else { throw settings.invalid(.workLease, "must be at least 3 seconds") }
        backoffBase = settings.double(.workBackoffBase) ?? WorkerConfiguration.Defaults.backoffBase
        guard backoffBase > 0 else { throw settings.invalid(.workBackoffBase, "must be more than 0 seconds") }
        backoffCap = settings.double(.workBackoffCap) ?? WorkerConfiguration.Defaults.backoffCap
        guard backoffCap >= backoffBase else { throw settings.invalid(.workBackoffCap, "must be at least backoff_base (\(backoffBase))") }
        maxTokensPerDay = settings.int(.workMaxTokensPerDay)
        if let maxTokensPerDay, maxTokensPerDay < 1 { throw settings.invalid(.workMaxTokensPerDay, "must be at least 1") }
        maxCostPerDay = settings.double(.workMaxCostPerDay)
        if let maxCostPerDay, !(maxCostPerDay > 0) { throw settings.invalid(.workMaxCostPerDay, "must be more than 0") }
        progressInterval = settings.double(.workProgressInterval) ?? Self.defaultProgressInterval
        guard progressInterval >= 1 else { throw settings.invalid(.workProgressInterval, "must be at least 1 second") }
        let level = settings.string(.logLevel) ?? Self.defaultLogLevel.rawValue
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw settings.invalid(.logLevel, "unknown level '\(level)'; use trace, debug, info, notice, warning or error")
        }
        logLevel = parsedLevel
        let format = settings.string(.logFormat) ?? LogFormat.text.rawValue
        guard let parsedFormat = LogFormat(rawValue: format) else { throw settings.invalid(.logFormat, "unknown format '\(format)'; use text or json") }
        jsonLogs = parsedFormat == .json
        if let zone = settings.string(.workTimeZone) {
            guard let parsed = TimeZone(identifier: zone) else {
                throw settings.invalid(.workTimeZone, "unknown zone '\(zone)'; use an IANA name such as Europe/Berlin or UTC")
            }
            timeZone = parsed
        } else {
            timeZone = .current
        }
        var windows: [RunWindow] = []
        for text in settings.strings(.workWindows) ?? [] {
            do throws(RunWindow.ParseError) { windows.append(try RunWindow(parsing: text)) } catch {
                throw settings.invalid(.workWindows, error.description)
            }
        }
        schedule = windows.isEmpty ? nil : RunSchedule(windows: windows, timeZone: timeZone)
    }
}
