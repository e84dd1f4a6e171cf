import GroqClient

extension ChatFailure {
    /// Whether the failure is the provider's own answer, which may end a scout's wait and correct the
    /// meters: a response carrying rate-limit headers or a rate-limit body, or one bearing the
    /// provider's request id (`x-request-id`). A 5xx or an HTML page from a gateway or an edge proxy
    /// in front of it carries none of them: it says nothing of the provider's limits, so it is not
    /// heard, and neither is a call that got no response at all (a timeout, a reset).
    var isProvidersWord: Bool {
        guard httpStatus != nil else { return false }
        return !rateLimits.isEmpty || rateLimitMessage != nil || rateLimits.requestID != nil
    }
}
