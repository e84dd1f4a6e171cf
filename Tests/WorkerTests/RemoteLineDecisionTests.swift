import Foundation
import GroqClient
import Testing

@testable import QueueStore
@testable import Worker

/// A Batch API output line takes the decision the same error takes on demand (one table, GroqClient's
/// `ErrorClassifier`): a model that cannot serve the request sends the job to its fallback.
struct RemoteLineDecisionTests {
    static let remote = RemoteBatchRecord(
        id: 1, localID: "gb-x", provider: "p", batchID: 1, model: "m1", state: .collecting, fileID: nil, remoteBatchID: "batch_1",
        remoteStatus: "completed", outputFileID: nil, errorFileID: nil, completionWindow: "24h", lines: 1, answered: 0, failed: 0, leftOver: 0,
        nextPollAt: 0, polls: 0, lastError: nil, createdAt: 0, batchName: nil, ifExpires: .requeue, deadline: nil, workerID: "a")

    /// An error line as Groq writes it: the on-demand status and error body inside `response`.
    static func line(status: Int, code: String, message: String = "refused") -> [UInt8] {
        Array(
            #"{"id":"l1","custom_id":"job-7","response":{"status_code":\#(status),"request_id":"r","body":{"error":{"message":"\#(message)","type":"invalid_request_error","code":"\#(code)"}}},"error":null}"#
                .utf8)
    }

    @Test(arguments: [
        (400, "model_decommissioned", "retired", ChainStep.Kind.fallback), (404, "model_not_found", "no such model", .fallback),
        (400, "context_length_exceeded", "too long", .fallback), (413, "request_too_large", "too large", .fallback),
        (429, "rate_limit_exceeded", "Request too large for model", .fallback), (500, "internal_server_error", "oops", .retry),
        (400, "json_validate_failed", "bad json", .retry), (400, "invalid_request_error", "bad body", .permanent),
    ])
    func anErrorLineTakesTheOnDemandDecision(status: Int, code: String, message: String, expected: ChainStep.Kind) throws {
        let answer = try #require(RemoteBatchRunner.answer(Self.line(status: status, code: code, message: message), remote: Self.remote, finished: Date()))
        #expect(answer.jobID == 7)
        #expect(answer.error?.code == code)
        #expect(answer.error?.kind == expected, "HTTP \(status) \(code)")
        // On demand, the same refusal of a job on the first of two models.
        let job = ClaimedJob(
            id: 7, batchID: 1, customID: "c", priority: 0, requestJSON: "{}", models: ["m1", "m2"], modelIndex: 0, attempts: 0, modelAttempts: 0,
            maxAttempts: 5, promptCharacters: 2, maxTokens: nil, leaseExpiresAt: Date())
        let failure = ChatFailure(
            outcomeClass: ErrorClassifier.classify(status: status, code: code, message: message), httpStatus: status, code: code, message: message)
        let onDemand = OutcomePlanner(backoff: .exponentialJitter()).transition(job: job, failure: failure, now: Date(), random: 0)
        let step = ChainStep.after(expected, modelAttempts: 0, maxAttempts: 5, modelIndex: 0, chainLength: 2)
        switch (onDemand, step) {
        case (.moveToModel(1, _, _), .model(index: 1)), (.fail, .fail): break
        case (.retry(_, _, _, let counted), .again(modelAttempts: 1)): #expect(counted || status == 429)
        default: Issue.record("on demand \(onDemand), through the Batch API \(step)")
        }
    }

    @Test func aLineThatNeverGotAResponseIsARetry() throws {
        let bytes = Array(#"{"id":"l1","custom_id":"job-3","response":null,"error":{"code":"request_timeout","message":"timed out"}}"#.utf8)
        let answer = try #require(RemoteBatchRunner.answer(bytes, remote: Self.remote, finished: Date()))
        #expect(answer.error?.kind == .retry)
    }
}
