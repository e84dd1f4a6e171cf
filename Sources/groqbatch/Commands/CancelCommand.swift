import ArgumentParser
import Foundation
import JobFormats
import QueueStore

/// `groqbatch cancel`: stops queued and running jobs from being (re)tried, in one transaction.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a batch's queued and running jobs, or one job.",
        discussion: """
            A running job's call may still finish; its answer is then logged in attempts but the job stays \
            cancelled. Finished jobs are not touched. `groqbatch retry --cancelled` queues them again.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Cancel every unfinished job of this batch; with --job, the batch the job is in.")
    var batch: String?

    @Option(help: ArgumentHelp("Cancel one job: its custom_id (add --batch when several batches use it), or its numeric id.", valueName: "id"))
    var job: String?

    func validate() throws {
        if batch == nil && job == nil { throw ValidationError("Give --batch, --job, or both (a custom_id within a batch).") }
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            do {
                if let job {
                    let id = try await store.findJob(job, batch: batch)
                    print(try await store.cancel(jobID: id, now: Date()) ? "job \(job) cancelled" : "job \(job) had already finished; unchanged")
                } else if let batch {
                    let count = try await store.cancel(batch: batch, now: Date())
                    print("batch '\(batch)': \(count.counted("job")) cancelled")
                }
            } catch let error as NotFoundError {
                throw CommandFailure(error.description)
            }
        }
    }
}
