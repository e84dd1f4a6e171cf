import ArgumentParser
import QueueStore

/// `groqbatch retry`: queues failed (or cancelled) jobs again from the start of their model chain.
struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue failed or cancelled jobs again, from the first model of their chain.",
        discussion: "One transaction; a running worker picks the jobs up at once. Their earlier attempts stay in the attempts table.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this batch.")
    var batch: String?

    @Flag(help: "Queue failed jobs again.")
    var failed = false

    @Flag(help: "Queue cancelled jobs again.")
    var cancelled = false

    func validate() throws {
        if !failed && !cancelled { throw ValidationError("Say which jobs to retry: --failed, --cancelled or both.") }
    }

    func run() throws {
        try failingClearlySync {
            let store = try database.open()
            let statuses = (failed ? [JobStatus.failed] : []) + (cancelled ? [JobStatus.cancelled] : [])
            do {
                let count = try store.requeue(statuses, batch: batch)
                print("\(count) job\(count == 1 ? "" : "s") queued again\(batch.map { " in batch '\($0)'" } ?? "")")
            } catch let error as SQLiteJobStore.NotFoundError {
                throw CommandFailure(error.description)
            }
        }
    }
}
