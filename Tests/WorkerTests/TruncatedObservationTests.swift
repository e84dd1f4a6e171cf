import Foundation
import JobFormats
import Logging
import QueueStore
import Scheduler
import Synchronization
import Testing

@testable import GroqClient
@testable import Worker

/// A prompt shortened by `--truncate` teaches the token estimator the characters that were sent: its
/// usage against the whole prompt's length would teach a ratio far too low, and the next long prompts,
/// fitted by that ratio, would not fit the context window.
struct TruncatedObservationTests {
    /// Answers every call with `promptTokens`, keeping the body it was sent.
    final class Recording: ChatExecutor {
        let promptTokens: Int
        let sent = Mutex<String?>(nil)
        init(promptTokens: Int) { self.promptTokens = promptTokens }

        func execute(requestJSON: String, model: String) async -> Result<ChatSuccess, ChatFailure> {
            sent.withLock { $0 = requestJSON }
            let body = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"\(model)","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":\(promptTokens),"completion_tokens":1,"total_tokens":\(promptTokens + 1)}}
                """
            do {
                let completion = try JSONDecoder().decode(ChatCompletion.self, from: Data(body.utf8))
                return .success(ChatSuccess(completion: completion, rateLimits: RateLimitHeaders(), httpStatus: 200))
            } catch {
                return .failure(ChatFailure(outcomeClass: .fatal, httpStatus: nil, code: "test", message: "\(error)"))
            }
        }
    }

    @Test func aTruncatedPromptsObservationCarriesTheCharactersSent() async throws {
        let store = try SQLiteJobStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("fit-\(UUID()).sqlite").path)
        var configuration = WorkerConfiguration()
        configuration.budget = BudgetContext(
            provider: "p", catalog: ModelCatalog(entries: [.init(id: "m", contextWindow: 300, maxOutput: 100)], source: .catalog))
        // 300 tokens of context hold about 1,100 characters at 0.25 tokens a character: a fifth of the prompt.
        let executor = Recording(promptTokens: 280)
        let worker = QueueWorker(store: store, executor: executor, configuration: configuration, logger: Logger(label: "t"))
        let long = String(repeating: "a\u{301}", count: 2_500)
        let request = #"{"max_tokens":10,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"\#(long)"}]}"#
        let whole = try #require(try ImportLineParser(file: "f").parse(Array(request.utf8), line: 1)).promptCharacters
        let job = ClaimedJob(
            id: 1, batchID: 1, customID: "c", priority: 0, requestJSON: request, models: ["m"], modelIndex: 0, attempts: 0, modelAttempts: 0,
            maxAttempts: 5, promptCharacters: whole, maxTokens: 10, leaseExpiresAt: Date(), truncate: true, tokensPerCharacter: 0.25)

        let outcome = await worker.outcome(for: job)
        guard case .succeed(let answer) = outcome.transition else {
            Issue.record("not a success: \(outcome.transition)")
            return
        }
        #expect(answer.truncated)
        let body = try #require(executor.sent.withLock { $0 })
        let sent = try #require(try ImportLineParser(file: "f").parse(Array(body.utf8), line: 1)).promptCharacters
        #expect(sent < whole / 4, "the prompt was shortened: \(sent) of \(whole) characters sent")
        let observation = try #require(outcome.observation)
        #expect(observation.promptTokens == 280)
        #expect(observation.promptCharacters == sent, "the estimator learns 280 tokens for the \(sent) characters sent, not for \(whole)")
    }
}
