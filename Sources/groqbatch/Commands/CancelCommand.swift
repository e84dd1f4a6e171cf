import ArgumentParser
import QueueStore

/// `groqbatch cancel`: stops queued and running jobs from being (re)tried, in one transaction.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a batch's queued and running jobs, or one job.",
        discussion: """
            A running job's call may still finish; its answer is then logged in attempts but the job stays
            cancelled. Finished jobs are not touched. `groqbatch retry --cancelled` queues them again.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Cancel every unfinished job of this batch.")
    var batch: String?

    @Option(help: "Cancel the job with this id (the jobs.id column).")
    var job: Int64?

    func validate() throws {
        if (batch == nil) == (job == nil) { throw ValidationError("Give exactly one of --batch or --job.") }
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            do {
                if let batch {
                    let count = try store.cancel(batch: batch)
                    print("batch '\(batch)': \(count) job\(count == 1 ? "" : "s") cancelled")
                } else if let job {
                    print(try store.cancel(jobID: job) ? "job \(job) cancelled" : "job \(job) had already finished; unchanged")
                }
            } catch let error as SQLiteJobStore.NotFoundError {
                throw CommandFailure(error.description)
            }
        }
    }
}
