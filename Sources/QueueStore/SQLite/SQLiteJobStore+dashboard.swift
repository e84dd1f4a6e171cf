import Foundation
import GRDB

/// The dashboard's reads: short, read-only transactions beside running workers.
extension SQLiteJobStore {
    public func jobs(_ query: JobQuery) async throws -> [JobSummary] {
        let search = query.search.flatMap { $0.isEmpty ? nil : $0 }
        let sql = DashboardSQL.jobsPage(
            batch: query.batch != nil, status: query.status != nil, errorCode: query.errorCode != nil, model: query.model != nil, search: search != nil)
        var arguments: StatementArguments = [query.after ?? 0]
        if let batch = query.batch { arguments += [batch] }
        if let status = query.status { arguments += [status.rawValue] }
        if let errorCode = query.errorCode { arguments += [errorCode] }
        if let model = query.model { arguments += [model] }
        if let search { arguments += [search, search] }
        arguments += [max(1, min(query.limit, 500))]
        return try await pool.read { [arguments] db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.jobSummary) }
    }

    public func job(id: Int64) async throws -> JobDetail? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: DashboardSQL.job, arguments: [id]) else { return nil }
            let attempts = try Row.fetchAll(db, sql: DashboardSQL.attempts, arguments: [id]).map { row in
                JobDetail.Attempt(
                    number: row[0], model: row[1], started: row[2], seconds: row[3], httpStatus: row[4], outcome: row[5], errorCode: row[6],
                    errorMessage: row[7])
            }
            return JobDetail(
                summary: Self.jobSummary(row), request: row[8], errorMessage: row[9], content: row[10], parsed: row[11], input: row[12],
                promptTokens: row[13], completionTokens: row[14], attempts: attempts)
        }
    }

    public func throughput(batch: String) async throws -> [MinuteOfCalls] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: DashboardSQL.throughput, arguments: [batch]).reversed().map { row in
                MinuteOfCalls(minute: Date(timeIntervalSince1970: Double(row[0] as Int64) * 60), requests: row[1], tokens: row[2], rateLimited: row[3])
            }
        }
    }

    public func batchActivity() async throws -> [String: BatchActivity] {
        try await pool.read { db in
            var activity: [String: BatchActivity] = [:]
            for row in try Row.fetchAll(db, sql: DashboardSQL.batchActivity) {
                activity[row[0]] = BatchActivity(answers: row[1], cost: row[2], firstAnswer: row[3], lastAnswer: row[4])
            }
            return activity
        }
    }

    public func errorCounts(batch: String) async throws -> [(code: String, jobs: Int)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: DashboardSQL.errorCounts, arguments: [batch]).map { (code: $0[0] as String, jobs: $0[1] as Int) }
        }
    }

    public func workers(now: Date) async throws -> [WorkerStatus] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: DashboardSQL.workers, arguments: [now.timeIntervalSince1970]).map { row in
                WorkerStatus(id: row[0], host: row[1], pid: row[2], started: row[3], heartbeatAge: row[4], stopped: row[5])
            }
        }
    }

    static func jobSummary(_ row: Row) -> JobSummary {
        JobSummary(id: row[0], batch: row[1], customID: row[2], status: row[3], model: row[4], attempts: row[5], errorCode: row[6], updated: row[7])
    }
}
