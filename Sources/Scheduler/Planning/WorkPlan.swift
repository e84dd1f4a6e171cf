import Foundation

/// What `groqbatch plan` prints: what the unfinished work needs per model, how long it takes under the
/// limits, whether that fits the deadline, and what it costs.
public struct WorkPlan: Sendable, Codable, Equatable {
    /// One model's share.
    public struct ModelPlan: Sendable, Codable, Equatable {
        public var model: String
        public var requests: Int
        public var promptTokens: Int
        public var completionTokens: Int
        public var totalTokens: Int
        /// True when no earlier answers were seen, so completions are counted at their `max_tokens`.
        public var completionIsUpperBound: Bool
        /// Seconds to run it under its limits (and the shared concurrency, when latency is known).
        public var seconds: Double
        /// The limit that sets the time: rpm, tpm, rpd, tpd, or concurrency.
        public var binding: String
        /// Days the daily limits stretch it over (0 when it fits today's remaining budget).
        public var extraDays: Int
        /// Estimated US dollars at the catalog's prices; nil without prices.
        public var cost: Double?
        /// Jobs asking for more output than the model allows: the provider will refuse them.
        public var overOutputLimit: Int = 0
        /// Prompt tokens expected from the provider's prompt cache (in `promptTokens`): billed at half
        /// price and not counted against tokens per minute.
        public var cachedTokens: Int = 0

        /// The share of prompt tokens expected from the cache.
        public var cacheHitRate: Double { promptTokens > 0 ? Double(cachedTokens) / Double(promptTokens) : 0 }

        enum CodingKeys: String, CodingKey {
            case model, requests, binding, cost, seconds
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
            case completionIsUpperBound = "completion_is_upper_bound"
            case extraDays = "extra_days"
            case overOutputLimit = "over_output_limit"
            case cachedTokens = "cached_tokens"
        }
    }

    /// The share the provider's Batch API runs (`--via batch-api`, and `auto`'s rest), if any.
    public struct BatchShare: Sendable, Codable, Equatable {
        public var requests: Int
        public var totalTokens: Int
        /// At the catalog's prices less the Batch API discount; nil without prices.
        public var cost: Double?
        /// The latest the provider promises the answers: the end of the completion window.
        public var finish: Date

        public init(requests: Int, totalTokens: Int, cost: Double?, finish: Date) {
            self.requests = requests
            self.totalTokens = totalTokens
            self.cost = cost
            self.finish = finish
        }

        enum CodingKeys: String, CodingKey {
            case requests, cost, finish
            case totalTokens = "total_tokens"
        }
    }

    /// Groq bills Batch API work at half the on-demand price (its published discount; approximate).
    public static let batchDiscount = 0.5

    public var models: [ModelPlan]
    /// The Batch API's share; `models` then holds the on-demand share only.
    public var batchAPI: BatchShare?
    /// Seconds of running from the start (models run side by side; the slowest sets it).
    public var seconds: Double
    public var start: Date
    public var finish: Date
    public var deadline: Date?
    /// nil without a deadline.
    public var fitsDeadline: Bool?
    public var cost: Double?

    enum CodingKeys: String, CodingKey {
        case models, seconds, start, finish, deadline, cost
        case fitsDeadline = "fits_deadline"
        case batchAPI = "batch_api"
    }

    public var requests: Int { models.reduce(0) { $0 + $1.requests } }
    public var totalTokens: Int { models.reduce(0) { $0 + $1.totalTokens } }
}
