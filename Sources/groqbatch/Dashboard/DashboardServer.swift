import Foundation
import HTTPTypes
import Hummingbird
import JobFormats
import Logging
import QueueStore
import Scheduler

/// `groqbatch serve`'s HTTP application: the pages, the JSON API, the stylesheet, behind the security
/// headers, the host check (only this server's names; no cross-site posts) and (when a token is set)
/// the token check.
enum DashboardServer {
    static func application(
        store: any QueueDatabase, host: String, port: Int, publicHosts: [String] = [], token: String?, allowActions: Bool, logger: Logger,
        forecast: (@Sendable (String) async -> WorkPlan?)? = nil, onBound: @escaping @Sendable (Int) -> Void
    ) throws -> some ApplicationProtocol {
        var pages = DashboardPages(store: store, templates: try DashboardTemplates())
        pages.token = token
        if let forecast {
            let cache = ForecastCache(make: forecast)
            pages.forecast = { batch in await cache.plan(batch) }
        }
        let actions = allowActions ? DashboardActions(store: store, logger: logger) : nil
        pages.csrfToken = actions?.csrfToken
        let router = Router()
        router.add(middleware: SecurityHeaders())
        let hosts = DashboardHosts(listenHost: host, port: port, publicHosts: publicHosts)
        router.add(middleware: HostCheck(hosts: hosts))
        if let token { router.add(middleware: TokenCheck(token: token)) }
        routes(router, pages: pages, store: store)
        if token != nil { loginRoutes(router, pages: pages) }
        actions?.register(on: router, pages: pages)
        // Actions are logged at notice by `logger`; the server's own chatter only from warnings up.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                hosts.port.store(bound, ordering: .relaxed)
                onBound(bound)
            }, logger: quiet)
    }

    static func routes(_ router: Router<BasicRequestContext>, pages: DashboardPages, store: any QueueDatabase) {
        router.get("/") { _, _ in html(try await pages.overview()) }
        router.get("/batches/:name") { _, context in
            let name = try batchName(context)
            guard let page = try await pages.batch(name) else { return notFound("no batch named '\(name)'", pages) }
            return html(page)
        }
        router.get("/models") { _, _ in html(try await pages.models()) }
        router.get("/jobs") { request, _ in
            let (query, filters) = jobQuery(request)
            return html(try await pages.jobs(query, filters: filters))
        }
        router.get("/jobs/:id") { _, context in
            guard let id = Int64(try context.parameters.require("id")), let page = try await pages.job(id) else {
                return notFound("no such job", pages)
            }
            return html(page)
        }
        router.get("/assets/style.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: pages.templates.stylesheet)))
        }
        // The JSON API: what `status --json`, `stats --json` and `limits --json` print.
        router.get("/api/v1/status") { request, _ in json(try Console.json(try await store.batchStatuses(batch: request.uri.queryParameters.get("batch")))) }
        router.get("/api/v1/stats") { request, _ in
            json(try Console.json(try await store.statistics(by: .model, batch: request.uri.queryParameters.get("batch"), since: nil)))
        }
        router.get("/api/v1/limits") { _, _ in json(try Console.json(try await store.meterStatuses(now: Date()))) }
        router.get("/api/v1/jobs") { request, _ in json(try Console.json(try await store.jobs(jobQuery(request).0))) }
        router.get("/api/v1/jobs/:id") { _, context in
            guard let id = Int64(try context.parameters.require("id")), let detail = try await store.job(id: id) else {
                return Response(
                    status: .notFound, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"error": "no such job"}"#)))
            }
            return json(try Console.json(detail))
        }
    }

    /// With a token: a form that sets it as a cookie, so a browser needs it once.
    static func loginRoutes(_ router: Router<BasicRequestContext>, pages: DashboardPages) {
        router.get("/login") { _, _ in html(TokenCheck.loginPage(pages, failed: false)) }
        router.post("/login") { request, _ in
            let body = try await request.body.collect(upTo: 4096)
            let fields = TokenCheck.formFields(String(buffer: body))
            return TokenCheck.login(fields["token"] ?? "", pages: pages)
        }
    }

    /// A batch's name from its address: the router gives the path segment still percent-encoded.
    static func batchName(_ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require("name")
        return raw.removingPercentEncoding ?? raw
    }

    /// The filters of a jobs page from its address, and the same as text for links.
    static func jobQuery(_ request: Request) -> (JobQuery, [String: String]) {
        let parameters = request.uri.queryParameters
        let text = { (name: String) -> String? in parameters.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        let query = JobQuery(
            batch: text("batch"), status: text("status").flatMap(JobStatus.init(rawValue:)), errorCode: text("error"), model: text("model"),
            search: text("q"), after: text("after").flatMap { Int64($0) }, limit: min(200, text("limit").flatMap { Int($0) } ?? 50))
        var filters: [String: String] = [:]
        for name in ["batch", "status", "error", "model", "q"] { if let value = text(name) { filters[name] = value } }
        return (query, filters)
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    static func notFound(_ message: String, _ pages: DashboardPages) -> Response {
        let page = pages.templates.render(
            "message", title: "Not found", context: ["message": message], api: "/api/v1/status", location: pages.store.location)
        return html(page, status: .notFound)
    }
}
