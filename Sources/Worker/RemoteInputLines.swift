import GroqClient
import JobFormats
import NIOCore
import QueueStore

/// A remote batch's input file as a stream: its jobs read from the queue a page at a time and written
/// as Batch API lines, so an upload of up to 200 MB holds one page, not the file.
struct RemoteInputLines: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let store: any RemoteBatchStore
    let remote: RemoteBatchRecord
    let pageSize: Int
    /// Whether the remote batch's model decodes under a schema: `json_schema.strict` is asked only then.
    var strictAllowed = false

    /// One job's line of the input file.
    static func line(jobID: Int64, request: String, model: String, strictAllowed: Bool = false) -> String {
        BatchLine.input(
            customID: BatchLine.customID(jobID: jobID), body: GroqClient.body(ResponseFormat.body(request, strictAllowed: strictAllowed), model: model))
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let lines: RemoteInputLines
        var after: Int64 = 0
        var done = false

        mutating func next() async throws -> ByteBuffer? {
            guard !done else { return nil }
            let page = try await lines.store.remoteInputPage(lines.remote, after: after, limit: lines.pageSize)
            guard let last = page.last else {
                done = true
                return nil
            }
            after = last.id
            var buffer = ByteBuffer()
            for job in page {
                buffer.writeString(RemoteInputLines.line(jobID: job.id, request: job.request, model: lines.remote.model, strictAllowed: lines.strictAllowed))
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(lines: self) }

    /// The file's jobs and bytes, read once before the upload: the request states its length up front.
    func measure() async throws -> (jobs: Int, bytes: Int) {
        var jobs = 0
        var bytes = 0
        for try await buffer in self {
            bytes += buffer.readableBytes
            jobs += buffer.readableBytesView.lazy.filter { $0 == 0x0A }.count
        }
        return (jobs, bytes)
    }
}
