import ArgumentParser
import Foundation
import QueueStore

/// `groqbatch retry`: queues failed, cancelled or expired jobs again from the start of their model chain.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue failed, cancelled or expired jobs again, from the first model of their chain.",
        discussion: """
            One transaction; a running worker picks the jobs up at once. Their earlier attempts stay in the \
            attempts table, and a batch's --not-before still holds. \
            Expired jobs would expire again under their batch's old deadline, so --expired clears that \
            deadline, or replaces it with --deadline.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this batch.")
    var batch: String?

    @Flag(help: "Queue failed jobs again.")
    var failed = false

    @Flag(help: "Queue cancelled jobs again.")
    var cancelled = false

    @Flag(help: "Queue expired jobs again (their batches' deadline is cleared or replaced).")
    var expired = false

    @Option(help: ArgumentHelp("With --expired: the batches' new deadline, \(TimeArgument.help).", valueName: "time"))
    var deadline: String?

    func validate() throws {
        if !failed && !cancelled && !expired {
            throw ValidationError("Say which jobs to retry: --failed, --cancelled, --expired, or several.")
        }
        if let deadline {
            guard expired else { throw ValidationError("--deadline goes with --expired.") }
            guard let parsed = TimeArgument(deadline) else {
                throw ValidationError("--deadline: cannot read '\(deadline)'; expected \(TimeArgument.help).")
            }
            if parsed.date <= Date() { throw ValidationError("--deadline: \(deadline) is in the past.") }
        }
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            var statuses: [JobStatus] = []
            if failed { statuses.append(.failed) }
            if cancelled { statuses.append(.cancelled) }
            if expired { statuses.append(.expired) }
            do {
                let count = try await store.requeue(statuses, batch: batch, newDeadline: deadline.flatMap { TimeArgument($0)?.date }, now: Date())
                print("\(count) job\(count == 1 ? "" : "s") queued again\(batch.map { " in batch '\($0)'" } ?? "")")
                if expired {
                    print(deadline.map { "the batches' deadline is now \($0)" } ?? "the batches' deadline is cleared")
                }
            } catch let error as NotFoundError {
                throw CommandFailure(error.description)
            }
        }
    }
}
