import Foundation

/// Groq's error bodies, word for word where Groq's wording is known.
enum GroqErrorBody {
    static func json(message: String, type: String, code: String?) -> String {
        var fields = [#""message":\#(quote(message))"#, #""type":\#(quote(type))"#]
        if let code { fields.append(#""code":\#(quote(code))"#) }
        return #"{"error":{\#(fields.joined(separator: ","))}}"#
    }

    static let invalidAPIKey = json(message: "Invalid API Key", type: "invalid_request_error", code: "invalid_api_key")

    static func modelNotFound(_ model: String) -> String {
        json(message: "The model `\(model)` does not exist or you do not have access to it.", type: "invalid_request_error", code: "model_not_found")
    }

    static func decommissioned(_ model: String) -> String {
        json(
            message:
                "The model `\(model)` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.",
            type: "invalid_request_error", code: "model_decommissioned")
    }

    static let contextLengthExceeded = json(
        message: "Please reduce the length of the messages or completion.", type: "invalid_request_error", code: "context_length_exceeded")

    static func invalidRequest(_ message: String) -> String {
        json(message: message, type: "invalid_request_error", code: nil)
    }

    static func rateLimited(model: String, refusal: ModelMeters.Refusal) -> String {
        let message =
            "Rate limit reached for model `\(model)` in organization `org_simulator` service tier `on_demand` on \(refusal.kind.phrase) (\(refusal.kind.rawValue)): Limit \(refusal.limit), Used \(refusal.used), Requested \(refusal.requested). Please try again in \(GoDurationText.format(refusal.wait)). Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing"
        return json(message: message, type: refusal.kind.isTokens ? "tokens" : "requests", code: "rate_limit_exceeded")
    }

    static func requestTooLarge(model: String, limit: Int, requested: Int) -> String {
        json(
            message:
                "Request too large for model `\(model)` in organization `org_simulator` service tier `on_demand` on tokens per minute (TPM): Limit \(limit), Requested \(requested), please reduce your message size and try again. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
            type: "tokens", code: "rate_limit_exceeded")
    }

    /// Groq's answer when JSON mode or a best-effort schema fails: the text the model wrote comes back.
    static func jsonValidateFailed(failedGeneration: String) -> String {
        let body: [String: Any] = [
            "error": [
                "message": "Failed to generate JSON. Please adjust your prompt. See 'failed_generation' for more details.",
                "type": "invalid_request_error", "code": "json_validate_failed", "failed_generation": failedGeneration,
            ]
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    static let internalServerError = json(message: "Internal Server Error", type: "internal_server_error", code: "internal_server_error")
    static let serviceUnavailable = json(message: "Service Unavailable", type: "internal_server_error", code: "service_unavailable")
    static let capacityExceeded = json(
        message: "Request could not be processed because the flex tier is at capacity. Please try again later.", type: "capacity_exceeded",
        code: "capacity_exceeded")
    static let edgeTimeoutPage = """
        <!DOCTYPE html>
        <html><head><title>api.groq.com | 524: A timeout occurred</title></head>
        <body><h1>A timeout occurred</h1><p>Error code 524</p><p>The origin web server timed out responding to this request.</p></body></html>
        """

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
