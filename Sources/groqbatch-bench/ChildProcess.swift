import Foundation

/// Runs a command to completion and reports its exit status, wall time, CPU time and peak resident memory.
///
/// Peak memory is the child's own `VmHWM` from /proc, read until it exits: `wait4`'s `ru_maxrss` is no
/// good here, because Linux folds the spawning process's high-water mark into it at exec (measured: a
/// 44 MB worker reported 898 MB when spawned by a bench holding a million rows).
struct ChildProcess {
    struct Outcome {
        var status: Int32
        var seconds: Double
        var peakRSSMegabytes: Double
        /// User plus system CPU seconds.
        var cpuSeconds: Double
    }

    static func run(_ executable: String, _ arguments: [String], stdoutPath: String = "/dev/null", environment: [String: String] = [:]) throws -> Outcome {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        posix_spawn_file_actions_addopen(&actions, 2, stdoutPath + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw BenchError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        var peakKilobytes = 0
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            peakKilobytes = max(peakKilobytes, highWaterMark(pid) ?? 0)
            usleep(20_000)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return Outcome(status: exit, seconds: seconds, peakRSSMegabytes: Double(peakKilobytes) / 1024, cpuSeconds: cpu)
    }

    /// `VmHWM` (peak resident set) of a running process, in kB.
    static func highWaterMark(_ pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ChildProcess {
    /// One query through the sqlite3 tool, its output trimmed.
    static func sqlite(_ db: String, _ query: String) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("groqbatch-bench-sql-\(getpid()).out").path
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: out + ".err")
        }
        guard try run("/usr/bin/sqlite3", [db, query], stdoutPath: out).status == 0 else {
            throw BenchError("sqlite3 failed: \((try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? ""): \(query)")
        }
        return try String(contentsOfFile: out, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
