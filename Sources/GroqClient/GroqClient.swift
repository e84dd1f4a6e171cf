import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Chat completions and the model list from Groq, or any OpenAI-compatible API, over AsyncHTTPClient.
///
/// `chat` never throws: every outcome, from a parsed completion to a reset connection, comes back as a
/// `ChatSuccess` or a `ChatFailure` already sorted into the retry/fallback table's classes. The API key
/// is only ever written into the Authorization header; messages that could echo it are redacted.
public final class GroqClient: Sendable {
    /// Why the configuration cannot be used.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public var description: String
    }

    public let configuration: GroqClientConfiguration
    let http: HTTPClient
    let chatURL: String
    let modelsURL: String
    /// The base URL without a trailing slash, for the Batch API's paths.
    let base: String
    /// The largest response body read; a completion is far smaller.
    static let maxBodyBytes = 32 << 20

    public init(configuration: GroqClientConfiguration) throws(ConfigurationError) {
        try Self.validate(configuration)
        self.configuration = configuration
        let base = configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        self.base = base
        chatURL = base + "/chat/completions"
        modelsURL = base + "/models"
        var httpConfiguration = HTTPClient.Configuration(
            timeout: .init(
                connect: .milliseconds(Int64(configuration.connectTimeout * 1000)),
                read: .milliseconds(Int64(configuration.requestTimeout * 1000))))
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.maxConnectionsPerHost
        httpConfiguration.decompression = .enabled(limit: .ratio(50))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
    }

    /// Refuses base URLs that would leak the key or cannot work.
    static func validate(_ configuration: GroqClientConfiguration) throws(ConfigurationError) {
        guard let url = URL(string: configuration.baseURL), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw ConfigurationError(description: "base URL '\(configuration.baseURL)' is not a URL like \(GroqClientConfiguration.groqBaseURL)")
        }
        switch scheme {
        case "https":
            break
        case "http":
            let loopback = host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
            if !loopback && !configuration.allowInsecureHTTP {
                throw ConfigurationError(
                    description:
                        "base URL '\(configuration.baseURL)' is plain http to a remote host; the API key would travel unencrypted (use https, or --allow-insecure-http)"
                )
            }
        default:
            throw ConfigurationError(description: "base URL '\(configuration.baseURL)' must start with https:// (or http:// for loopback)")
        }
        if configuration.apiKey.isEmpty {
            throw ConfigurationError(description: "the API key is empty")
        }
    }

    /// Ends the client's connections; call once when done.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Sends one chat completion: `requestJSON` (a JSON object without `model`) with `model` set.
    public func chat(requestJSON: String, model: String) async -> Result<ChatSuccess, ChatFailure> {
        var request = HTTPClientRequest(url: chatURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.secret)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "groqbatch")
        request.body = .bytes(ByteBuffer(string: Self.body(requestJSON, model: model)))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do throws(ChatFailure) {
            (response, bytes) = try await send(request)
        } catch {
            return .failure(error)
        }
        let status = Int(response.status.code)
        let rateLimits = RateLimitHeaders(response.headers)
        let text = String(buffer: bytes)
        guard (200..<300).contains(status) else {
            return .failure(httpFailure(status: status, body: text, headers: response.headers, rateLimits: rateLimits))
        }
        do {
            var completion = try JSONDecoder().decode(ChatCompletion.self, from: Data(buffer: bytes))
            guard !completion.choices.isEmpty else {
                return .failure(
                    ChatFailure(
                        outcomeClass: .retry, httpStatus: status, code: "invalid_response", message: "the response has no choices", rateLimits: rateLimits))
            }
            completion.rawBody = text
            return .success(ChatSuccess(completion: completion, rateLimits: rateLimits, httpStatus: status))
        } catch {
            return .failure(
                ChatFailure(
                    outcomeClass: ErrorClassifier.classify(status: nil, code: nil, message: nil), httpStatus: status,
                    code: "invalid_response",
                    message: "HTTP \(status) with a body that is not a valid completion (\(bytes.readableBytes) bytes): \(Self.snippet(text))",
                    rateLimits: rateLimits))
        }
    }

    /// The model list from `GET /models`.
    public func models() async throws(ChatFailure) -> [ModelInfo] {
        var request = HTTPClientRequest(url: modelsURL)
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.secret)")
        request.headers.add(name: "Accept", value: "application/json")
        let (response, bytes) = try await send(request)
        let status = Int(response.status.code)
        let text = String(buffer: bytes)
        guard status == 200 else {
            throw httpFailure(status: status, body: text, headers: response.headers, rateLimits: RateLimitHeaders(response.headers))
        }
        do {
            return try JSONDecoder().decode(ModelList.self, from: Data(buffer: bytes)).data
        } catch {
            throw ChatFailure(
                outcomeClass: .retry, httpStatus: status, code: "invalid_response", message: "the model list is not valid JSON: \(Self.snippet(text))")
        }
    }

    /// Sends a request and reads its whole body within the request deadline.
    func send(_ request: HTTPClientRequest) async throws(ChatFailure) -> (HTTPClientResponse, ByteBuffer) {
        do {
            let response = try await http.execute(request, deadline: .now() + .milliseconds(Int64(configuration.requestTimeout * 1000)))
            return (response, try await response.body.collect(upTo: Self.maxBodyBytes))
        } catch {
            throw transportFailure(error)
        }
    }

    /// The request body: the stored JSON object with `model` spliced in first. The stored object comes
    /// from groqbatch's own encoder and never holds `model`, so no key is duplicated.
    public static func body(_ requestJSON: String, model: String) -> String {
        let modelField = "\"model\":" + JSONString.quoted(model)
        let trimmed = requestJSON.drop { $0.isWhitespace }
        guard trimmed.first == "{" else { return "{\(modelField)}" }
        let rest = trimmed.dropFirst().drop { $0.isWhitespace }
        return rest.first == "}" ? "{\(modelField)}" : "{\(modelField),\(rest)"
    }

    func httpFailure(status: Int, body: String, headers: HTTPHeaders, rateLimits: RateLimitHeaders) -> ChatFailure {
        let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body.utf8))
        let code: String
        var message: String
        if let envelope {
            code = envelope.error.code ?? envelope.error.type ?? "http_\(status)"
            message = envelope.error.message ?? "HTTP \(status)"
        } else {
            // An edge proxy's HTML page, or an empty body.
            code = "http_\(status)"
            let type = headers.first(name: "content-type") ?? "no content type"
            message = body.isEmpty ? "HTTP \(status) with an empty body" : "HTTP \(status), non-JSON body (\(type)): \(Self.snippet(body))"
        }
        if status == 404, code != "model_not_found" {
            // Not a model the provider lacks: the address itself is unknown, most often a base URL
            // missing its API path.
            message +=
                " from \(configuration.baseURL): the base URL's path looks wrong (Groq's is \(GroqClientConfiguration.groqBaseURL); "
                + "OpenAI-compatible servers usually end in /v1)"
        }
        let safeMessage = configuration.apiKey.redact(message)
        var failure = ChatFailure(
            outcomeClass: ErrorClassifier.classify(status: status, code: code, message: message), httpStatus: status,
            code: code, message: safeMessage, rateLimits: rateLimits, rateLimitMessage: RateLimitMessage(message))
        failure.failedGeneration = envelope?.error.failed_generation
        return failure
    }

    func transportFailure(_ error: any Error) -> ChatFailure {
        let timeouts: [HTTPClientError] = [.deadlineExceeded, .readTimeout, .connectTimeout]
        let unreachable = TransportFailure.unreachable(error)
        let code =
            unreachable != nil
            ? "provider_unreachable"
            : (error as? HTTPClientError).map(timeouts.contains) == true ? "timeout" : "connection_error"
        let message =
            if let unreachable {
                "\(unreachable) (\(configuration.baseURL))"
            } else if code == "timeout" {
                "no complete response within \(configuration.requestTimeout) s (\(error))"
            } else {
                "\(error)"
            }
        var failure = ChatFailure(
            outcomeClass: ErrorClassifier.classify(status: nil, code: code, message: nil), httpStatus: nil,
            code: code, message: configuration.apiKey.redact(message))
        failure.unreachable = unreachable
        return failure
    }

    /// The start of a body on one line, for messages.
    static func snippet(_ text: String, limit: Int = 160) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}

/// A completion that arrived and parsed, with the response's rate-limit headers.
public struct ChatSuccess: Sendable, Equatable {
    public var completion: ChatCompletion
    public var rateLimits: RateLimitHeaders
    public var httpStatus: Int
}

/// JSON string literals.
enum JSONString {
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
