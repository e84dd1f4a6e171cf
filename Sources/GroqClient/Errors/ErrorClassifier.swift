/// The one table that turns an HTTP outcome into an `OutcomeClass`. The README shows the same table.
///
/// | status | code / condition | class |
/// |---|---|---|
/// | none | connection refused or reset, timeout | retry |
/// | 200 | body is not a valid completion | retry |
/// | 401, 403 | any | fatal |
/// | 404 | `model_not_found` | fallback |
/// | 404 | anything else (wrong base URL) | fatal |
/// | 400 | `model_decommissioned`, `context_length_exceeded` | fallback |
/// | 413 | any (request too large for the model) | fallback |
/// | 429 | "Request too large" | fallback |
/// | 408, 409, 429, 498, 5xx (500, 502, 503, 504, 524...) | any | retry |
/// | 400, 422, other 4xx | any | permanent |
public enum ErrorClassifier {
    /// Error codes that mean "this model cannot serve this request".
    static let fallbackCodes: Set<String> = ["model_decommissioned", "model_not_found", "context_length_exceeded"]
    /// 4xx codes that say this generation went wrong, not the request: another try can succeed. Groq
    /// answers 400 `json_validate_failed` when JSON mode or best-effort structured output fails.
    static let retryCodes: Set<String> = ["json_validate_failed"]

    public static func classify(status: Int?, code: String?, message: String?) -> OutcomeClass {
        guard let status else { return .retry }
        switch status {
        case 200..<300:
            return .success
        case 401, 403:
            return .fatal
        case 404:
            return code == "model_not_found" ? .fallback : .fatal
        case 413:
            return .fallback
        case 429:
            let tooLarge = message?.lowercased().contains("request too large") ?? false
            return tooLarge ? .fallback : .retry
        case 408, 409, 498:
            return .retry
        case 500...:
            return .retry
        default:
            if let code, fallbackCodes.contains(code) { return .fallback }
            if let code, retryCodes.contains(code) { return .retry }
            return .permanent
        }
    }
}
