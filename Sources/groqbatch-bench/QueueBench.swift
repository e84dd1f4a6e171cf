import Foundation
import QueueStore

/// Claim + complete throughput through the store with no network: the worker's database cost per job.
struct QueueBench {
    let scratch: String
    let jobs: Int

    func run(_ report: BenchReport) async throws {
        report.emit("== queue (\(jobs) jobs, claim 256 + complete 256 per round) ==")
        let store = try BenchQueue.open(scratch + "/queue.sqlite")
        try await Self.fill(store, jobs: jobs)
        let (done, seconds) = try await measureAsync { try await Self.drain(store, workerID: "bench") }
        guard done == jobs else { throw BenchError("completed \(done) of \(jobs)") }
        report.add("claim+complete", Double(done) / seconds, "jobs/s", ratio: "target >= 20000 jobs/s; batched transactions of 256")
    }

    /// Fills a store with `jobs` prompts of two models, as the queue benchmarks measure them.
    static func fill(_ store: any QueueDatabase, jobs: Int) async throws {
        let models = ["openai/gpt-oss-20b", "qwen/qwen3.6-27b"]
        try await BenchQueue.add(jobs, to: BatchSpec(name: "bench", source: "bench", models: models), in: store) { index in
            return NewJob(
                line: index, customID: "job-\(index)",
                requestJSON: #"{"max_tokens":64,"messages":[{"content":"Prompt number \#(index)","role":"user"}]}"#,
                models: models, promptCharacters: 20, maxTokens: 64)
        }
    }

    /// Claims 256 jobs and records an answer for each, until the queue is empty; returns how many.
    static func drain(_ store: any QueueDatabase, workerID: String) async throws -> Int {
        let raw =
            #"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"An answer of a realistic length, a sentence or two."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":14,"total_tokens":26}}"#
        var done = 0
        while true {
            let now = Date()
            let claimed = try await store.claim(workerID: workerID, limit: 256, leaseDuration: 60, batch: nil, now: now)
            if claimed.isEmpty { return done }
            let outcomes = claimed.map { job in
                JobOutcome(
                    jobID: job.id,
                    attempt: AttemptRecord(
                        model: job.model!, startedAt: now, finishedAt: now, httpStatus: 200, outcome: .success, promptTokens: 12, completionTokens: 14,
                        requestID: "req_1"),
                    transition: .succeed(
                        JobResult(
                            model: job.model!, content: "An answer of a realistic length, a sentence or two.", finishReason: "stop",
                            promptTokens: 12, completionTokens: 14, totalTokens: 26, responseID: "chatcmpl-1", requestID: "req_1", rawResponse: raw)))
            }
            _ = try await store.record(outcomes, workerID: workerID, now: now)
            done += claimed.count
        }
    }
}
