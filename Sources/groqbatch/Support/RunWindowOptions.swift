import ArgumentParser
import Configuration
import Foundation
import Scheduler

/// `--window` and `--time-zone`, shared by `work` (which claims only inside the windows) and `plan`
/// (which counts only the time inside them).
struct RunWindowOptions: ParsableArguments {
    @Option(
        name: .customLong("window"),
        help: ArgumentHelp("A daily run window such as 22:00-06:00 (an end before the start crosses midnight); repeatable.", valueName: "start-end"))
    var windows: [String] = []

    @Option(
        name: .customLong("time-zone"),
        help: ArgumentHelp("The zone windows and clock times are read in, such as Europe/Berlin. Defaults to the local zone ($TZ).", valueName: "zone"))
    var timeZone: String?

    func validate() throws {
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw ValidationError("--time-zone: unknown zone '\(timeZone)'; use an IANA name such as Europe/Berlin or UTC.")
        }
        for window in windows {
            do throws(RunWindow.ParseError) { _ = try RunWindow(parsing: window) } catch { throw ValidationError("--window: \(error)") }
        }
    }

    /// These options as settings, for the layers (the configuration file may give them too).
    var flags: [SettingKey: ConfigContent] {
        var flags: [SettingKey: ConfigContent] = [:]
        if !windows.isEmpty { flags[.workWindows] = .stringArray(windows) }
        if let timeZone { flags[.workTimeZone] = .string(timeZone) }
        return flags
    }
}
