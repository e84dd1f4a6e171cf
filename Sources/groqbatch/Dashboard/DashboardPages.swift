import Foundation
import JobFormats
import QueueStore
import Scheduler

/// What each page shows, read through the store interfaces (reads only, each a short transaction) and
/// handed to its template.
struct DashboardPages: Sendable {
    let store: any QueueDatabase
    let templates: DashboardTemplates
    /// The token `serve --token` asks for, if any.
    var token: String?
    /// With `--allow-actions`: the token the action forms carry.
    var csrfToken: String?
    /// The plan of a batch's unfinished work under the meters (as `plan` makes it), for its ETA.
    var forecast: (@Sendable (String) async -> WorkPlan?)?
    /// Pages that change reload this often (seconds); the job page does not.
    let refresh = 10

    func overview() async throws -> String {
        let statuses = try await store.batchStatuses(batch: nil)
        let workers = try await store.workers(now: Date())
        let perBatch = try await store.batchActivity()
        var batches: [[String: Any]] = []
        for status in statuses {
            var context = batchContext(status)
            let activity = perBatch[status.batch]
            if let rate = activity?.answersPerMinute { context["perMinute"] = String(format: "%.1f", rate) }
            var cost = activity?.cost.map { String(format: "$%.4f", $0) }
            if status.queued + status.running > 0, let plan = await forecast?(status.batch) {
                context["eta"] = DashboardTemplates.timestamp.string(from: plan.finish).dropLast(3) + " UTC"
                if let more = plan.cost ?? plan.batchAPI?.cost { cost = (cost ?? "$0") + String(format: " + about $%.4f", more) }
            }
            if let cost { context["cost"] = cost }
            batches.append(context)
        }
        let workerRows: [[String: Any]] = workers.map { worker in
            [
                "id": worker.id, "host": worker.host, "pid": worker.pid, "started": worker.started,
                "heartbeat": worker.stopped ? "stopped" : "\(Int(worker.heartbeatAge)) s ago",
                "state": worker.stopped || worker.heartbeatAge > 180 ? "gone" : "alive",
            ]
        }
        let context: [String: Any] = ["batches": batches, "has_batches": !batches.isEmpty, "workers": workerRows, "has_workers": !workerRows.isEmpty]
        return templates.render("overview", title: "Batches", context: context, api: "/api/v1/status", location: store.location, refresh: refresh)
    }

    func batch(_ name: String) async throws -> String? {
        let statuses: [BatchStatus]
        do { statuses = try await store.batchStatuses(batch: name) } catch is NotFoundError { return nil }
        guard let status = statuses.first else { return nil }
        var context = batchContext(status)
        let models = try await store.statistics(by: .model, batch: name, since: nil)
        context["models"] = models.map { stats -> [String: Any] in
            [
                "name": stats.name, "requests": stats.requests, "successes": stats.successes, "retries": stats.retries,
                "rateLimited": stats.rateLimited, "rpm": stats.rateLimitedRPM, "tpm": stats.rateLimitedTPM, "rpd": stats.rateLimitedRPD,
                "tpd": stats.rateLimitedTPD, "p50": Self.seconds(stats.latencyP50), "p95": Self.seconds(stats.latencyP95),
                "p99": Self.seconds(stats.latencyP99), "tokens": stats.promptTokens + stats.completionTokens,
                "cost": stats.costUSD.map { String(format: "$%.4f", $0) } ?? "-",
                "perMinute": stats.successesPerMinute.map { String(format: "%.1f", $0) } ?? "-",
            ]
        }
        context["has_models"] = !models.isEmpty
        let minutes = try await store.throughput(batch: name)
        let used = Set(models.map(\.name))
        let tokenLimit = try await store.meterStatuses(now: Date()).filter { $0.kind == .tpm && used.contains($0.model) }.compactMap(\.limit).max()
        context["chart"] = DashboardDrawing.throughputChart(minutes, tokenLimit: tokenLimit)
        context["peak"] = minutes.map(\.tokens).max() ?? 0
        context["peakRequests"] = minutes.map(\.requests).max() ?? 0
        if let tokenLimit { context["tokenLimit"] = tokenLimit }
        let errors = try await store.errorCounts(batch: name)
        context["errors"] = errors.map { ["code": $0.code, "count": $0.jobs, "query": Self.query(name), "codeQuery": Self.query($0.code)] as [String: Any] }
        context["has_errors"] = !errors.isEmpty
        let remotes = try await store.remoteBatches().filter { $0.batchName == name }
        context["remotes"] = remotes.map { remote -> [String: Any] in
            [
                "localID": remote.localID, "remoteID": remote.remoteBatchID ?? "-", "model": remote.model, "state": remote.state.rawValue,
                "status": remote.remoteStatus ?? "-", "lines": remote.lines, "answered": remote.answered, "failed": remote.failed,
            ]
        }
        context["has_remotes"] = !remotes.isEmpty
        if let csrfToken { context["actions"] = ["csrf": csrfToken, "canRetry": status.failed > 0, "canCancel": status.queued + status.running > 0] }
        return templates.render(
            "batch", title: "Batch \(name)", context: context, api: "/api/v1/stats?batch=\(Self.query(name))", location: store.location, refresh: refresh)
    }

    func models() async throws -> String {
        let meters = try await store.meterStatuses(now: Date())
        let rows: [[String: Any]] = meters.map { meter in
            let blocked = meter.blockedUntil.map { $0 > Date() } ?? false
            return [
                "provider": meter.provider, "model": meter.model, "kind": meter.kind.rawValue.uppercased(), "used": meter.used,
                "limit": meter.limit.map(String.init) ?? "unknown", "remaining": meter.remaining.map(String.init) ?? "-",
                "standing": meter.firm ? "stated by the provider" : "guessed (\(meter.source.rawValue))",
                "blockedUntil": blocked ? meter.blockedUntil.map { DashboardTemplates.timestamp.string(from: $0) } ?? "" : "",
                "gauge": DashboardDrawing.gauge(used: meter.used, limit: meter.limit, blocked: blocked),
            ]
        }
        let estimators: [[String: Any]] = try await store.estimators().map { entry in
            [
                "provider": entry.provider, "model": entry.model, "ratio": String(format: "%.4f", entry.estimator.ratio),
                "samples": entry.estimator.samples, "error": String(format: "%.1f%%", entry.estimator.relativeError * 100),
                "cache_hits": entry.estimator.cacheHitRate.map { String(format: "%.0f%%", $0 * 100) } ?? "-",
            ]
        }
        let context: [String: Any] = ["meters": rows, "has_meters": !rows.isEmpty, "estimators": estimators, "has_estimators": !estimators.isEmpty]
        return templates.render(
            "models", title: "Models and limits", context: context, api: "/api/v1/limits",
            location: store.location, refresh: refresh)
    }

    func jobs(_ query: JobQuery, filters: [String: String]) async throws -> String {
        let page = try await store.jobs(query)
        let rows: [[String: Any]] = page.map { job in
            [
                "id": job.id, "batch": job.batch, "customID": job.customID, "status": job.status, "model": job.model ?? "",
                "attempts": job.attempts, "errorCode": job.errorCode ?? "", "updated": job.updated,
            ]
        }
        var context: [String: Any] = [
            "jobs": rows, "has_jobs": !rows.isEmpty, "filter": filters,
            "statuses": JobStatus.allCases.map { ["name": $0.rawValue, "selected": query.status == $0] as [String: Any] },
        ]
        if let last = page.last, page.count == query.limit {
            context["next"] = "/jobs?" + Self.queryString(filters.merging(["after": String(last.id)]) { $1 })
        }
        return templates.render(
            "jobs", title: "Jobs", context: context, api: "/api/v1/jobs?" + Self.queryString(filters), location: store.location, refresh: refresh)
    }

    func job(_ id: Int64) async throws -> String? {
        guard let detail = try await store.job(id: id) else { return nil }
        let summary = detail.summary
        var context: [String: Any] = [
            "job": ["batch": summary.batch, "customID": summary.customID, "status": summary.status, "model": summary.model ?? ""] as [String: Any],
            "batchPath": Self.path(summary.batch), "request": Self.pretty(detail.request),
            "attempts": detail.attempts.map { attempt -> [String: Any] in
                var row: [String: Any] = [
                    "number": attempt.number, "model": attempt.model, "started": attempt.started, "seconds": String(format: "%.2f", attempt.seconds),
                    "outcome": attempt.outcome,
                ]
                if let status = attempt.httpStatus { row["httpStatus"] = status }
                if let code = attempt.errorCode { row["errorCode"] = code }
                if let message = attempt.errorMessage { row["errorMessage"] = message }
                return row
            },
            "has_attempts": !detail.attempts.isEmpty,
        ]
        if let code = summary.errorCode { context["errorCode"] = code }
        if let csrfToken, ["failed", "cancelled"].contains(summary.status) { context["actions"] = ["csrf": csrfToken, "id": id] as [String: Any] }
        if let message = detail.errorMessage { context["errorMessage"] = message }
        if let content = detail.content { context["content"] = content }
        if let parsed = detail.parsed { context["parsed"] = Self.pretty(parsed) }
        if let input = detail.input { context["input"] = Self.pretty(input) }
        if let prompt = detail.promptTokens, let completion = detail.completionTokens { context["tokens"] = "\(prompt) prompt + \(completion) completion" }
        return templates.render("job", title: "Job \(id)", context: context, api: "/api/v1/jobs/\(id)", location: store.location)
    }

    func batchContext(_ status: BatchStatus) -> [String: Any] {
        var context: [String: Any] = [
            "name": status.batch, "path": Self.path(status.batch), "query": Self.query(status.batch), "total": status.total,
            "succeeded": status.succeeded, "failed": status.failed, "running": status.running, "queued": status.queued,
            "expired": status.expired, "tokens": status.promptTokens + status.completionTokens,
            "bar": DashboardDrawing.progressBar(status), "percent": DashboardDrawing.percentDone(status),
        ]
        if let paused = status.paused { context["paused"] = paused }
        if let notBefore = status.notBefore { context["notBefore"] = notBefore }
        if let deadline = status.deadline { context["deadline"] = deadline }
        return context
    }

    static func seconds(_ value: Double?) -> String { value.map { String(format: "%.3f s", $0) } ?? "-" }

    static func pretty(_ json: String) -> String {
        (try? JSONValue.decode(Array(json.utf8)).prettyJSONString()) ?? json
    }

    /// A name as one path segment of a link.
    static func path(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? name
    }

    /// A value as a query parameter.
    static func query(_ value: String) -> String { path(value) }

    static func queryString(_ values: [String: String]) -> String {
        values.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key)=\(query($0.value))" }.joined(separator: "&")
    }
}
