import GroqClient
import Testing

/// One test per row of the table in ErrorClassifier (and the README).
struct ClassificationTests {
    @Test(
        arguments: [
            (nil, nil, nil, OutcomeClass.retry),
            (200, nil, nil, .success),
            (401, "invalid_api_key", "Invalid API Key", .fatal),
            (403, nil, "Forbidden", .fatal),
            (404, "model_not_found", "The model `x` does not exist", .fallback),
            (404, nil, "Not Found", .fatal),
            (400, "model_decommissioned", "decommissioned", .fallback),
            (400, "context_length_exceeded", "Please reduce the length", .fallback),
            (413, "rate_limit_exceeded", "Request too large for model", .fallback),
            (429, "rate_limit_exceeded", "Request too large for model `m` ... (TPM): Limit 6000, Requested 6294", .fallback),
            (429, "rate_limit_exceeded", "Rate limit reached ... Please try again in 2s", .retry),
            (408, nil, nil, .retry),
            (409, nil, nil, .retry),
            (498, "capacity_exceeded", nil, .retry),
            (500, "internal_server_error", nil, .retry),
            (502, "http_502", nil, .retry),
            (503, "service_unavailable", nil, .retry),
            (504, nil, nil, .retry),
            (524, "http_524", nil, .retry),
            (400, "invalid_request_error", "bad parameter", .permanent),
            (400, nil, nil, .permanent),
            (422, nil, "Unprocessable", .permanent),
        ] as [(Int?, String?, String?, OutcomeClass)])
    func row(status: Int?, code: String?, message: String?, expected: OutcomeClass) {
        #expect(ErrorClassifier.classify(status: status, code: code, message: message) == expected)
    }
}
