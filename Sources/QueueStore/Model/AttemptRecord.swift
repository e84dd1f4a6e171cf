import Foundation

/// One call made to a provider, as the `attempts` table keeps it.
public struct AttemptRecord: Sendable, Equatable {
    /// How the call ended, in the classes of the retry/fallback table.
    public enum Outcome: String, Sendable, CaseIterable {
        case success, retry, fallback, permanent, fatal, abandoned
    }

    public var model: String
    public var startedAt: Date
    public var finishedAt: Date
    public var httpStatus: Int?
    public var outcome: Outcome
    public var errorCode: String?
    public var errorMessage: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var requestID: String?
    /// On a 429: the limit it hit (rpm, rpd, tpm, tpd).
    public var limitKind: String?
    /// How the worker picked the model when the job said `auto` (auto, auto:cheapest, auto:fastest).
    public var chosenBy: String?
    /// An answer that was not what the request asked for (not JSON, not its schema), kept for diagnosis.
    public var answer: String?
    /// Prompt tokens the provider read from its prompt cache; nil when it did not say.
    public var cachedTokens: Int?

    public init(
        model: String, startedAt: Date, finishedAt: Date, httpStatus: Int?, outcome: Outcome,
        errorCode: String? = nil, errorMessage: String? = nil, promptTokens: Int? = nil,
        completionTokens: Int? = nil, requestID: String? = nil, limitKind: String? = nil, chosenBy: String? = nil
    ) {
        self.limitKind = limitKind
        self.chosenBy = chosenBy
        self.model = model
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.httpStatus = httpStatus
        self.outcome = outcome
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.requestID = requestID
    }
}
