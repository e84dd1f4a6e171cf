import ArgumentParser
import Foundation
import QueueStore

/// `groqbatch remote`: the remote batches `--via batch-api` made, and where each one is.
struct RemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "List the provider-side batches (Batch API) that --via batch-api batches were sent as.",
        discussion: """
            Each remote batch is one uploaded input file of one model's jobs. Its state is groqbatch's: \
            preparing (jobs packed), uploaded (the file is at the provider), submitted (the batch runs; \
            REMOTE STATUS is the provider's), collecting (answers being written back), done. Jobs a remote \
            batch left unanswered (expired, cancelled) went back to on-demand calls or failed, as \
            import --if-remote-expires said.
            """)

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print JSON for scripts.")
    var json = false

    struct Row: Encodable {
        var local_id: String, batch: String, model: String, state: String, remote_batch_id: String?, remote_status: String?
        var lines: Int, answered: Int, failed: Int, left_over: Int, window: String, last_error: String?
    }

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            let rows = try await store.remoteBatches().map {
                Row(
                    local_id: $0.localID, batch: $0.batchName ?? "-", model: $0.model, state: $0.state.rawValue, remote_batch_id: $0.remoteBatchID,
                    remote_status: $0.remoteStatus, lines: $0.lines, answered: $0.answered, failed: $0.failed, left_over: $0.leftOver,
                    window: $0.completionWindow, last_error: $0.lastError)
            }
            if json {
                print(try Console.json(rows))
                return
            }
            guard !rows.isEmpty else {
                print("no remote batches: import with --via batch-api, then run groqbatch work")
                return
            }
            print(
                TextTable(
                    header: ["BATCH", "MODEL", "STATE", "REMOTE BATCH", "REMOTE STATUS", "LINES", "ANSWERED", "FAILED", "LEFT", "WINDOW"],
                    rows: rows.map {
                        [
                            $0.batch, $0.model, $0.state, $0.remote_batch_id ?? "-", $0.remote_status ?? "-", "\($0.lines)",
                            "\($0.answered)", "\($0.failed)", "\($0.left_over)", $0.window,
                        ]
                    }
                ).rendered)
        }
    }
}
