/// Probabilities (0...1) of injected faults, each drawn per request from the seeded generator.
public struct FaultRates: Sendable, Codable, Equatable {
    /// 500 `internal_server_error` (JSON).
    public var serverError: Double
    /// 503 `service_unavailable` (JSON).
    public var unavailable: Double
    /// 524 HTML page from the edge proxy.
    public var edgeTimeout: Double
    /// 498 `capacity_exceeded` (the flex tier's "busy").
    public var capacityExceeded: Double
    /// No answer at all for `hangSeconds`: the client's timeout must fire.
    public var hang: Double
    /// The connection is reset (TCP RST) instead of answered.
    public var reset: Double
    /// A 200 whose JSON body is cut in the middle.
    public var truncated: Double
    /// A 429 on requests per minute with a one-second wait, whatever the meters say: a shared
    /// organisation's other traffic, which no client-side meter can see.
    public var rateLimited: Double
    /// Best-effort structured output only (JSON mode, or a schema without strict): an answer that is not
    /// JSON at all.
    public var invalidJSON: Double
    /// Best-effort schema requests only: JSON that breaks the schema (a required field missing, an
    /// extra field, a value of the wrong type).
    public var schemaViolation: Double
    /// Best-effort structured output only: Groq's 400 `json_validate_failed`, with `failed_generation`.
    public var jsonValidateFailed: Double

    public init(
        serverError: Double = 0, unavailable: Double = 0, edgeTimeout: Double = 0, capacityExceeded: Double = 0,
        hang: Double = 0, reset: Double = 0, truncated: Double = 0, rateLimited: Double = 0,
        invalidJSON: Double = 0, schemaViolation: Double = 0, jsonValidateFailed: Double = 0
    ) {
        self.invalidJSON = invalidJSON
        self.schemaViolation = schemaViolation
        self.jsonValidateFailed = jsonValidateFailed
        self.rateLimited = rateLimited
        self.serverError = serverError
        self.unavailable = unavailable
        self.edgeTimeout = edgeTimeout
        self.capacityExceeded = capacityExceeded
        self.hang = hang
        self.reset = reset
        self.truncated = truncated
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hang, reset, truncated, unavailable
        case serverError = "server_error"
        case edgeTimeout = "edge_timeout"
        case capacityExceeded = "capacity_exceeded"
        case rateLimited = "rate_limited"
        case invalidJSON = "invalid_json"
        case schemaViolation = "schema_violation"
        case jsonValidateFailed = "json_validate_failed"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try ConfigurationKeys.rejectUnknown(in: decoder, known: CodingKeys.self)
        self.init(
            serverError: try c.decodeIfPresent(Double.self, forKey: .serverError) ?? 0,
            unavailable: try c.decodeIfPresent(Double.self, forKey: .unavailable) ?? 0,
            edgeTimeout: try c.decodeIfPresent(Double.self, forKey: .edgeTimeout) ?? 0,
            capacityExceeded: try c.decodeIfPresent(Double.self, forKey: .capacityExceeded) ?? 0,
            hang: try c.decodeIfPresent(Double.self, forKey: .hang) ?? 0,
            reset: try c.decodeIfPresent(Double.self, forKey: .reset) ?? 0,
            truncated: try c.decodeIfPresent(Double.self, forKey: .truncated) ?? 0,
            rateLimited: try c.decodeIfPresent(Double.self, forKey: .rateLimited) ?? 0,
            invalidJSON: try c.decodeIfPresent(Double.self, forKey: .invalidJSON) ?? 0,
            schemaViolation: try c.decodeIfPresent(Double.self, forKey: .schemaViolation) ?? 0,
            jsonValidateFailed: try c.decodeIfPresent(Double.self, forKey: .jsonValidateFailed) ?? 0)
    }

    /// The faults in the order they are drawn.
    var ordered: [(Fault, Double)] {
        [
            (.serverError, serverError), (.unavailable, unavailable), (.edgeTimeout, edgeTimeout),
            (.capacityExceeded, capacityExceeded), (.hang, hang), (.reset, reset), (.truncated, truncated),
            (.rateLimited, rateLimited),
        ]
    }
}

/// One injected fault.
enum Fault: String, Sendable {
    case serverError = "server_error"
    case unavailable
    case edgeTimeout = "edge_timeout"
    case capacityExceeded = "capacity_exceeded"
    case hang
    case reset
    case truncated
    case rateLimited = "rate_limited"
}
