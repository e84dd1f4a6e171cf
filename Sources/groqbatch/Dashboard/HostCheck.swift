import HTTPTypes
import Hummingbird

/// Answers only requests addressed to this server (`DashboardHosts`): any other `Host` gets 421, so a
/// rebound name reads nothing, the CSRF token included. A POST (an action, the sign-in form) is also
/// refused with 403 when the browser says it comes from another site: an `Origin` not this server's,
/// or `Sec-Fetch-Site` other than same-origin. Clients that send neither (scripts) still need the token.
struct HostCheck: RouterMiddleware {
    typealias Context = BasicRequestContext
    let hosts: DashboardHosts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authority = request.head.authority ?? ""
        guard hosts.accepts(authority: authority) else {
            let shown = authority.isEmpty ? "(none)" : String(authority.prefix(100))
            return Self.refusal(
                .misdirectedRequest,
                "This server does not answer to Host \(shown). To reach it by that name, start serve with --public-host NAME.")
        }
        if request.method != .get && request.method != .head {
            if let origin = request.headers[.origin], !hosts.accepts(origin: origin) {
                return Self.refusal(.forbidden, "Refused: this request comes from another site (Origin \(origin.prefix(100))).")
            }
            if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin" && site != "none" {
                return Self.refusal(.forbidden, "Refused: this request comes from another site (Sec-Fetch-Site: \(site.prefix(20))).")
            }
        }
        return try await next(request, context)
    }

    /// Plain text: the refused name is shown as sent, and text/plain (with nosniff) never runs as a page.
    static func refusal(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
