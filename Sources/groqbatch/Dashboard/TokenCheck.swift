import Foundation
import HTTPTypes
import Hummingbird

/// With `serve --token FILE`: every request shows the token, as `Authorization: Bearer TOKEN` (scripts)
/// or the cookie the login form sets (browsers). The token never appears in an address or a log.
struct TokenCheck: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String
    static let cookie = "groqbatch_token"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/login" || request.uri.path == "/assets/style.css" { return try await next(request, context) }
        let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let cookie = request.headers[.cookie].flatMap(Self.cookieValue)
        if let shown = bearer ?? cookie, Self.equal(shown, token) { return try await next(request, context) }
        if request.uri.path.hasPrefix("/api/") {
            return Response(
                status: .unauthorized, headers: [.contentType: "application/json", .wwwAuthenticate: "Bearer"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error": "a token is needed: Authorization: Bearer TOKEN"}"#)))
        }
        return Response(status: .seeOther, headers: [.location: "/login"])
    }

    /// Compares in time that does not depend on where the strings differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) { difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0) }
        return difference == 0
    }

    static func cookieValue(_ header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2 && pair[0] == cookie { return String(pair[1]).removingPercentEncoding }
        }
        return nil
    }

    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    static func loginPage(_ pages: DashboardPages, failed: Bool) -> String {
        pages.templates.render("login", title: "Sign in", context: ["failed": failed], api: "/api/v1/status", location: pages.store.location)
    }

    /// Sets the cookie when the token is right; the form again when not.
    static func login(_ shown: String, pages: DashboardPages) -> Response {
        // The middleware let the form through; the comparison is made here against the same token.
        guard let token = pages.token, equal(shown, token) else {
            return DashboardServer.html(loginPage(pages, failed: true), status: .unauthorized)
        }
        let value = shown.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return Response(
            status: .seeOther,
            headers: [.location: "/", .setCookie: "\(cookie)=\(value); Path=/; HttpOnly; SameSite=Strict"])
    }
}
