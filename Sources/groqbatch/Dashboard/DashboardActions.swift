import Foundation
import Hummingbird
import Logging
import QueueStore

/// `serve --allow-actions`: cancel or retry a batch, requeue a failed job, from the pages. Each is a
/// POST form carrying this server's CSRF token (a page of another site cannot read it, so cannot post
/// it), and each is logged with what it changed.
struct DashboardActions: Sendable {
    let store: any QueueDatabase
    let logger: Logger
    /// Random per server start; the forms carry it, every action must show it.
    let csrfToken: String

    init(store: any QueueDatabase, logger: Logger) {
        self.store = store
        self.logger = logger
        var generator = SystemRandomNumberGenerator()
        csrfToken = (0..<4).map { _ in String(generator.next(), radix: 36) }.joined()
    }

    func register(on router: Router<BasicRequestContext>, pages: DashboardPages) {
        router.post("/batches/:name/cancel") { request, context in
            let name = try DashboardServer.batchName(context)
            return try await act(request, pages: pages, back: "/batches/\(DashboardPages.path(name))") {
                let count = try await store.cancel(batch: name, now: Date())
                return "cancelled \(count) unfinished jobs of batch '\(name)'"
            }
        }
        router.post("/batches/:name/retry") { request, context in
            let name = try DashboardServer.batchName(context)
            return try await act(request, pages: pages, back: "/batches/\(DashboardPages.path(name))") {
                let count = try await store.requeue([.failed], batch: name, newDeadline: nil, now: Date())
                return "queued \(count) failed jobs of batch '\(name)' again"
            }
        }
        router.post("/jobs/:id/requeue") { request, context in
            guard let id = Int64(try context.parameters.require("id")) else { return DashboardServer.notFound("no such job", pages) }
            return try await act(request, pages: pages, back: "/jobs/\(id)") {
                try await store.requeue(jobID: id, now: Date()) ? "queued job \(id) again" : "job \(id) is not failed or cancelled: nothing changed"
            }
        }
    }

    /// Checks the form's CSRF token, runs the action, logs it and sends the browser back.
    func act(_ request: Request, pages: DashboardPages, back: String, _ action: () async throws -> String) async throws -> Response {
        let body = try await request.body.collect(upTo: 4096)
        let fields = TokenCheck.formFields(String(buffer: body))
        guard let shown = fields["csrf"], TokenCheck.equal(shown, csrfToken) else {
            logger.warning("refused an action without this server's form token", metadata: ["path": "\(request.uri.path)"])
            return DashboardServer.html(
                pages.templates.render(
                    "message", title: "Refused",
                    context: ["message": "This form is not from this dashboard (its token does not match); reload the page and try again."],
                    api: "/api/v1/status", location: pages.store.location), status: .forbidden)
        }
        let done: String
        do { done = try await action() } catch let error as NotFoundError { return DashboardServer.notFound(error.description, pages) }
        logger.notice("action: \(done)", metadata: ["path": "\(request.uri.path)"])
        return Response(status: .seeOther, headers: [.location: back])
    }
}
