import Foundation

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
