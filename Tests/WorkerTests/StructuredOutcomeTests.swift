import Foundation
import JobFormats
import Testing

@testable import GroqClient
@testable import QueueStore
@testable import Worker

/// Answers to requests with a response_format: a valid one is stored parsed, an invalid one is a counted
/// retry that keeps its text, and Groq's json_validate_failed is a retry, not a bad request.
struct StructuredOutcomeTests {
    let planner = OutcomePlanner(backoff: .exponentialJitter(base: 1, cap: 300))
    let now = Date(timeIntervalSince1970: 1_000_000)
    let format = ResponseFormat(
        kind: .jsonSchema(try! JSONSchema(text: #"{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}"#)))

    func job(modelAttempts: Int = 0) -> ClaimedJob {
        ClaimedJob(
            id: 1, batchID: 1, customID: "c", priority: 0, requestJSON: "{}", models: ["a", "b"], modelIndex: 0,
            attempts: modelAttempts, modelAttempts: modelAttempts, maxAttempts: 3, promptCharacters: 10, maxTokens: 10, leaseExpiresAt: now)
    }

    func success(_ content: String) throws -> ChatSuccess {
        let body = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"a","choices":[{"index":0,"message":{"role":"assistant","content":\(JSONValue.string(content).jsonString())},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}
            """
        return ChatSuccess(completion: try JSONDecoder().decode(ChatCompletion.self, from: Data(body.utf8)), rateLimits: RateLimitHeaders(), httpStatus: 200)
    }

    func plan(_ content: String, modelAttempts: Int = 0) throws -> JobOutcome {
        planner.plan(
            job: job(modelAttempts: modelAttempts), model: "a", result: .success(try success(content)), startedAt: now, finishedAt: now, random: 0,
            format: format)
    }

    @Test func aValidAnswerIsStoredParsed() throws {
        guard case .succeed(let result) = try plan(#"{ "n": 3 }"#).transition else {
            Issue.record("not a success")
            return
        }
        #expect(result.parsed == #"{"n":3}"#)
    }

    @Test func anInvalidAnswerIsACountedRetryThatKeepsItsTextThenTheNextModel() throws {
        let outcome = try plan(#"{"n": "three"}"#)
        #expect(outcome.attempt?.errorCode == "schema_mismatch")
        #expect(outcome.attempt?.errorMessage == "the answer breaks the schema at /n: \"three\" is not an integer (type)")
        #expect(outcome.attempt?.answer == #"{"n": "three"}"#)
        #expect(outcome.attempt?.completionTokens == 7, "the tokens it cost are still counted")
        guard case .retry(_, let code, _, let counted) = outcome.transition else {
            Issue.record("not a retry: \(outcome.transition)")
            return
        }
        #expect(code == "schema_mismatch" && counted)
        guard case .moveToModel(1, "schema_mismatch", let message) = try plan("not json", modelAttempts: 2).transition else {
            Issue.record("the last try on a model moves the job along its chain")
            return
        }
        #expect(message.hasPrefix("the answer is not JSON"))
    }

    @Test func groqsJSONValidateFailedIsRetriedWithItsFailedGeneration() {
        #expect(ErrorClassifier.classify(status: 400, code: "json_validate_failed", message: nil) == .retry)
        var failure = ChatFailure(outcomeClass: .retry, httpStatus: 400, code: "json_validate_failed", message: "Failed to generate JSON.")
        failure.failedGeneration = "{\"n\": "
        let outcome = planner.plan(job: job(), model: "a", result: .failure(failure), startedAt: now, finishedAt: now, random: 0, format: format)
        #expect(outcome.attempt?.answer == "{\"n\": ")
        guard case .retry(_, _, _, true) = outcome.transition else {
            Issue.record("not a counted retry")
            return
        }
    }

    @Test func strictIsAskedOnlyWhereTheModelDecodesUnderASchema() throws {
        let body = #"{"messages":[],"response_format":{"json_schema":{"name":"x","schema":{},"strict":true},"type":"json_schema"}}"#
        #expect(ResponseFormat.body(body, strictAllowed: true) == body)
        #expect(ResponseFormat.body(body, strictAllowed: false).contains(#""strict":false"#))
        let bestEffort = body.replacingOccurrences(of: #""strict":true"#, with: #""strict":false"#)
        #expect(ResponseFormat.body(bestEffort, strictAllowed: true) == bestEffort, "--no-strict stays best effort")
    }
}
