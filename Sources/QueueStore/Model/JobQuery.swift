import Foundation

/// A page of jobs as the dashboard lists them: filters, and the keyset to continue after.
public struct JobQuery: Sendable, Equatable {
    public var batch: String?
    public var status: JobStatus?
    /// The job's last error code.
    public var errorCode: String?
    /// The model that answered, or the one the job waits for.
    public var model: String?
    /// A `custom_id`, or the start of one.
    public var search: String?
    /// Jobs with an id above this one (the last of the previous page).
    public var after: Int64?
    public var limit: Int

    public init(
        batch: String? = nil, status: JobStatus? = nil, errorCode: String? = nil, model: String? = nil, search: String? = nil,
        after: Int64? = nil, limit: Int = 50
    ) {
        self.batch = batch
        self.status = status
        self.errorCode = errorCode
        self.model = model
        self.search = search
        self.after = after
        self.limit = limit
    }
}

/// One job in a list: what it is and where it stands.
public struct JobSummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var batch: String
    public var customID: String
    public var status: String
    public var model: String?
    public var attempts: Int
    public var errorCode: String?
    /// When the job last changed, UTC, as `YYYY-MM-DD HH:MM:SS`.
    public var updated: String

    enum CodingKeys: String, CodingKey {
        case id, batch, status, model, attempts, updated
        case customID = "custom_id"
        case errorCode = "error_code"
    }

    public init(id: Int64, batch: String, customID: String, status: String, model: String?, attempts: Int, errorCode: String?, updated: String) {
        self.id = id
        self.batch = batch
        self.customID = customID
        self.status = status
        self.model = model
        self.attempts = attempts
        self.errorCode = errorCode
        self.updated = updated
    }
}

/// One job whole: its request, its answer, and every call made for it.
public struct JobDetail: Sendable, Equatable, Codable {
    public var summary: JobSummary
    /// The chat body as imported (JSON text).
    public var request: String
    public var errorMessage: String?
    public var content: String?
    public var parsed: String?
    public var input: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var attempts: [Attempt]

    /// One call, as the timeline shows it.
    public struct Attempt: Sendable, Equatable, Codable {
        public var number: Int
        public var model: String
        public var started: String
        public var seconds: Double
        public var httpStatus: Int?
        public var outcome: String
        public var errorCode: String?
        public var errorMessage: String?

        enum CodingKeys: String, CodingKey {
            case number, model, started, seconds, outcome
            case httpStatus = "http_status"
            case errorCode = "error_code"
            case errorMessage = "error_message"
        }
    }

    enum CodingKeys: String, CodingKey {
        case summary, request, content, parsed, input, attempts
        case errorMessage = "error_message"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
    }
}

/// One minute of a batch's calls, for the throughput chart.
public struct MinuteOfCalls: Sendable, Equatable, Codable {
    public var minute: Date
    public var requests: Int
    /// Prompt and completion tokens of the calls that reported them.
    public var tokens: Int
    public var rateLimited: Int

    public init(minute: Date, requests: Int, tokens: Int, rateLimited: Int) {
        self.minute = minute
        self.requests = requests
        self.tokens = tokens
        self.rateLimited = rateLimited
    }
}

/// A worker process as the `workers` table knows it.
public struct WorkerStatus: Sendable, Equatable, Codable {
    public var id: String
    public var host: String
    public var pid: Int
    public var started: String
    /// Seconds since its last heartbeat.
    public var heartbeatAge: Double
    public var stopped: Bool

    enum CodingKeys: String, CodingKey {
        case id, host, pid, started, stopped
        case heartbeatAge = "heartbeat_age"
    }
}
