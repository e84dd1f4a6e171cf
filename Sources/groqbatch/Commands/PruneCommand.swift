import ArgumentParser
import Foundation
import JobFormats
import QueueStore

/// `groqbatch prune`: deletes old finished batches, in small transactions a running worker barely notices.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete batches whose every job finished before a time, with their jobs, attempts and results.",
        discussion: """
            A batch with any queued or running job is never touched, nor one with a remote batch (Batch API) \
            still open: a worker (groqbatch work, same base URL) cancels at the provider a remote batch whose \
            jobs were all cancelled, or collects it, and closes it; prune deletes the batch after that. Rows go in slices of --slice jobs, one \
            transaction each, so workers on the same file wait at most one slice. Export what you want to \
            keep first (groqbatch export --batch NAME), or take a backup (groqbatch backup FILE). \
            The space is reused by new rows; `groqbatch vacuum` gives it back to the file system.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(
        name: .customLong("finished-before"),
        help: ArgumentHelp("Before \(AgeArgument.help).", valueName: "age|time"))
    var finishedBefore: String

    @Option(help: "Only this batch.")
    var batch: String?

    @Option(help: "Jobs deleted per transaction.")
    var slice = 2_000

    @Flag(name: .customLong("dry-run"), help: "Only say what would be deleted.")
    var dryRun = false

    func validate() throws {
        if AgeArgument(finishedBefore) == nil {
            throw ValidationError("--finished-before: cannot read '\(finishedBefore)'; expected \(AgeArgument.help).")
        }
        guard (1...100_000).contains(slice) else { throw ValidationError("--slice must be between 1 and 100000.") }
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            let cutoff = AgeArgument(finishedBefore)!.date
            var line = ProgressLine(label: "pruning")
            let summary = try await store.prune(finishedBefore: cutoff, batch: batch, slice: slice, dryRun: dryRun) { progress in
                line.update("\(progress.jobs.counted("job")) deleted")
            }
            line.finish()
            for kept in summary.kept { print(Self.describe(kept)) }
            let when = ISO8601DateFormatter().string(from: cutoff)
            if summary.batches.isEmpty {
                print("nothing to prune: no batch\(batch.map { " named '\($0)'" } ?? "") finished entirely before \(when)")
                return
            }
            let names = summary.batches.map { "'\($0)'" }.joined(separator: ", ")
            print(
                dryRun
                    ? "would delete \(summary.batches.count.counted("batch", plural: "batches")) (\(names)) with \(summary.jobs.counted("job")); run again without --dry-run"
                    : "deleted \(summary.batches.count.counted("batch", plural: "batches")) (\(names)) with \(summary.jobs.counted("job")), their attempts and results, in \(summary.transactions) transactions"
            )
        }
    }

    /// Why a finished batch was kept, and what ends it: its remote batch's record is all a worker cancels
    /// or collects it by, and the provider bills the remote batch until it ends.
    static func describe(_ kept: PruneSummary.KeptForRemote) -> String {
        let remote = kept.remoteBatchID.map { "remote batch \($0) (\(kept.localID))" } ?? "remote batch \(kept.localID)"
        let next =
            switch kept.state {
            case .collecting: "a worker is writing back its answers"
            default: "it may still run (and bill) at the provider: a worker (groqbatch work --base-url \(kept.provider)) cancels it there"
            }
        return "kept batch '\(kept.batch)': \(remote) is \(kept.state.rawValue); \(next), then prune deletes the batch"
    }
}
