import GroqClient
import NIOCore

/// A provider's Batch API as the worker uses it: input files up, batches made, polled and cancelled,
/// output files read line by line. `GroqClient` is the implementation; tests and other providers can
/// pass their own, as they pass a `ChatExecutor`.
public protocol BatchAPI: Sendable {
    /// Uploads an input file of `length` bytes, streamed from `lines`, under `filename`.
    func uploadBatchFile<Lines: AsyncSequence & Sendable>(
        filename: String, length: Int, lines: Lines
    ) async throws(ChatFailure) -> RemoteFile where Lines.Element == ByteBuffer
    /// The uploaded file named `filename`, looked for on every page of the account's files.
    func file(named filename: String) async throws(ChatFailure) -> RemoteFile?
    func createBatch(inputFileID: String, completionWindow: String, metadata: [String: String]) async throws(ChatFailure) -> RemoteBatch
    func batch(id: String) async throws(ChatFailure) -> RemoteBatch
    /// The batch whose metadata has `key` = `value`, looked for on every page of the account's batches.
    func batch(metadata key: String, equals value: String) async throws(ChatFailure) -> RemoteBatch?
    func cancelBatch(id: String) async throws(ChatFailure) -> RemoteBatch
    /// Calls `body` with each line of a file as it arrives.
    func forEachFileLine(id: String, _ body: ([UInt8]) async throws -> Void) async throws
}

extension GroqClient: BatchAPI {}
