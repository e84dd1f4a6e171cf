/// What one slice of answers did.
public struct RemoteWrite: Sendable, Equatable {
    public var answered = 0
    public var failed = 0
    /// Lines that failed for the provider's sake: their jobs went back to the queue.
    public var requeued = 0
    public var promptTokens = 0
    public var completionTokens = 0

    public init(answered: Int = 0, failed: Int = 0, requeued: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0) {
        self.answered = answered
        self.failed = failed
        self.requeued = requeued
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}
