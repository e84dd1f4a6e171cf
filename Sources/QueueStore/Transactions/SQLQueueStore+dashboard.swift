import Foundation
import GRDB

/// The dashboard's reads: short, read-only transactions beside running workers.
extension SQLQueueStore {
    public func jobs(_ query: JobQuery) async throws -> [JobSummary] {
        let search = query.search.flatMap { $0.isEmpty ? nil : $0 }
        var arguments: SQLArguments = [query.after ?? 0]
        if let batch = query.batch { arguments += [batch] }
        if let status = query.status { arguments += [status.rawValue] }
        if let errorCode = query.errorCode { arguments += [errorCode] }
        if let model = query.model { arguments += [model] }
        if let search { arguments += [search, search] }
        arguments += [max(1, min(query.limit, 500))]
        return try await engine.read { [arguments] db in
            let sql = DashboardSQL.jobsPage(
                batch: query.batch != nil, status: query.status != nil, errorCode: query.errorCode != nil, model: query.model != nil,
                search: search != nil, dialect: db.dialect)
            return try db.rows(sql, arguments).map(QueueSteps.jobSummary)
        }
    }

    public func job(id: Int64) async throws -> JobDetail? {
        try await engine.read { db in
            guard let row = try db.row(DashboardSQL.job(db.dialect), [id]) else { return nil }
            let attempts = try db.rows(DashboardSQL.attempts(db.dialect), [id]).map { row in
                JobDetail.Attempt(
                    number: row[0], model: row[1], started: row[2], seconds: row[3], httpStatus: row[4], outcome: row[5], errorCode: row[6],
                    errorMessage: row[7])
            }
            return JobDetail(
                summary: QueueSteps.jobSummary(row), request: row[8], errorMessage: row[9], content: row[10], parsed: row[11], input: row[12],
                promptTokens: row[13], completionTokens: row[14], attempts: attempts)
        }
    }

    public func throughput(batch: String) async throws -> [MinuteOfCalls] {
        try await engine.read { db in
            try db.rows(DashboardSQL.throughput(db.dialect), [batch]).reversed().map { row in
                MinuteOfCalls(minute: Date(timeIntervalSince1970: Double(row[0] as Int64) * 60), requests: row[1], tokens: row[2], rateLimited: row[3])
            }
        }
    }

    public func batchActivity() async throws -> [String: BatchActivity] {
        try await engine.read { db in
            var activity: [String: BatchActivity] = [:]
            for row in try db.rows(DashboardSQL.batchActivity) {
                activity[row[0]] = BatchActivity(answers: row[1], cost: row[2], firstAnswer: row[3], lastAnswer: row[4])
            }
            return activity
        }
    }

    public func errorCounts(batch: String) async throws -> [(code: String, jobs: Int)] {
        try await engine.read { db in
            try db.rows(DashboardSQL.errorCounts, [batch]).map { (code: $0[0] as String, jobs: $0[1] as Int) }
        }
    }

    public func workers(now: Date) async throws -> [WorkerStatus] {
        try await engine.read { db in
            try db.rows(DashboardSQL.workers(db.dialect), [now.timeIntervalSince1970]).map { row in
                WorkerStatus(id: row[0], host: row[1], pid: row[2], started: row[3], heartbeatAge: row[4], stopped: row[5])
            }
        }
    }

}

extension QueueSteps {
    static func jobSummary(_ row: SQLRow) -> JobSummary {
        JobSummary(id: row[0], batch: row[1], customID: row[2], status: row[3], model: row[4], attempts: row[5], errorCode: row[6], updated: row[7])
    }
}
