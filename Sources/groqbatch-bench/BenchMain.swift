import Foundation

/// `groqbatch-bench`: the figures `make bench` prints, each next to the limit it is measured against.
@main
struct BenchMain {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        let quick = arguments.contains("--quick")
        // The binary is the argument that is neither a flag nor `--only`'s value.
        let onlyValue = arguments.firstIndex(of: "--only").map { arguments.index(after: $0) }
        let binary = arguments.indices.first { !arguments[$0].hasPrefix("--") && $0 != onlyValue }.map { arguments[$0] } ?? ".build/release/groqbatch"
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("groqbatch-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let report = BenchReport()
        // `--only forecast` (or import, queue, meters, postgres, e2e, utilization, dashboard, cache) runs one section.
        let only = arguments.firstIndex(of: "--only").flatMap { arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil }
        let runs = { (section: String) in only == nil || only == section }
        if runs("import") { try await ImportBench(binary: binary, scratch: scratch, lines: quick ? 50_000 : 200_000).run(report) }
        if runs("queue") { try await QueueBench(scratch: scratch, jobs: quick ? 50_000 : 200_000).run(report) }
        if runs("meters") { try await MeterBench(binary: binary, scratch: scratch, quick: quick).run(report) }
        if runs("postgres") {
            try await PostgresBench(binary: binary, scratch: scratch, jobs: quick ? 10_000 : 40_000, endToEndJobs: quick ? 5_000 : 20_000).run(report)
        }
        if runs("e2e") { try await EndToEndBench(binary: binary, scratch: scratch, jobs: quick ? 5_000 : 20_000).run(report) }
        if runs("utilization") && !arguments.contains("--skip-utilization") {
            try await UtilizationBench(binary: binary, scratch: scratch, seconds: quick ? 120 : 180).run(report)
        }
        if runs("dashboard") { try await DashboardBench(binary: binary, scratch: scratch, jobs: quick ? 100_000 : 1_000_000).run(report) }
        if runs("cache") { try await CacheBench(binary: binary, scratch: scratch, jobs: 300).run(report) }
        if runs("forecast") { try await ForecastBench(binary: binary, scratch: scratch, seconds: quick ? 60 : 120).run(report) }
        report.printSummary()
    }
}
