import ArgumentParser
import Configuration
import Foundation
import JobFormats
import QueueStore
import Scheduler
import Worker

/// `groqbatch plan`: what the unfinished work needs and how long it takes, before anything is spent.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Estimate what the queued work needs: requests, tokens, time under the limits, deadline, cost.",
        discussion: """
            Reads the queue and the GroqQueue's meters; makes no call and changes nothing (except marking \
            jobs past their batch's deadline expired, as any command does). \
            Per model (the one each job calls next): requests, prompt tokens from the learned tokens per \
            character, completion tokens from the answers seen so far (or the max_tokens asked for, an \
            upper bound, when none were seen), the limit that sets the pace, and the time. Per-minute limits \
            pace the work; daily limits stretch it over nights. With --window (or work.windows in the configuration) the time counts only inside \
            the run windows, as `work --window` would run. Prices are the catalog's, approximate.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Plan only this batch.")
    var batch: String?

    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp("The provider whose limits apply. Defaults to $GROQBATCH_BASE_URL, the configuration's base_url, or Groq's.", valueName: "url"))
    var baseURL: String?

    @Option(help: "The worker's --concurrency, which bounds the pace once call latency is known.")
    var concurrency = WorkerConfiguration.Defaults.concurrency

    @OptionGroup var window: RunWindowOptions

    @Option(help: ArgumentHelp("A model catalog file replacing the built-in one.", valueName: "file"))
    var catalog: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1.") }
    }

    func run() async throws {
        try await failingClearly {
            var flags = window.flags
            if let baseURL { flags[.baseURL] = .string(baseURL) }
            if let catalog { flags[.catalog] = .string(catalog) }
            let settings = try await database.settings(flags)
            let store = try await database.open(settings)
            let provider = ProviderOptions.providerKey(settings)
            let models = try CatalogOption.load(settings).merging(await store.providerModels(provider: provider))
            _ = try await store.expireOverdue(now: nil)
            let inputs: PlanInputs
            do { inputs = try await store.planInputs(batch: batch, catalog: models) } catch let error as NotFoundError {
                throw CommandFailure(error.description)
            }
            let now = Date()
            let plan = try await WorkForecast.plan(
                store: store, inputs: inputs, catalog: models, provider: provider, concurrency: concurrency, schedule: try WorkSettings(settings).schedule,
                now: now)
            if json {
                print(try Console.json(plan))
                return
            }
            for demand in inputs.demands where models.entries[demand.model] == nil {
                Console.error(
                    "warning: model '\(demand.model)' is not in the catalog: planned with conservative default limits until the provider tells its own")
            }
            let waitsFor = plan.start > now ? (inputs.notBefore.map { $0 >= plan.start } == true ? "its --not-before" : "the first run window opens") : nil
            print(Self.render(plan, scope: batch.map { "batch '\($0)'" } ?? "all unfinished work", provider: provider, now: now, waitsFor: waitsFor))
        }
    }

    /// Splits the unfinished work between on-demand calls and the Batch API as workers will:
    /// `--via auto` jobs go on demand as far as the limits finish them before the deadline (a tenth in
    /// reserve), and to the Batch API when the deadline is 24 h or more away.
    static func split(_ inputs: PlanInputs, outlooks: [String: ModelOutlook], concurrency: Int, now: Date) -> (onDemand: [ModelDemand], batchAPI: [ModelDemand])
    {
        var onDemand = inputs.executorDemands["on-demand"] ?? []
        var batchAPI = inputs.executorDemands["batch-api"] ?? []
        let available = inputs.deadline.map { $0.timeIntervalSince(now) } ?? .infinity
        for demand in inputs.executorDemands["auto"] ?? [] {
            let share =
                available.isInfinite || available < WorkPlanner.batchWindowSeconds
                ? demand.requests
                : WorkPlanner.onDemandCapacity(demand, outlook: outlooks[demand.model] ?? ModelOutlook(), concurrency: concurrency, seconds: available * 0.9)
            if share > 0 { onDemand.append(demand.share(share)) }
            if share < demand.requests { batchAPI.append(demand.remainder(after: share)) }
        }
        let merge = { (demands: [ModelDemand]) in
            Dictionary(demands.map { ($0.model, $0) }, uniquingKeysWith: { $0.adding($1) }).values.sorted { $0.model < $1.model }
        }
        return (merge(onDemand), merge(batchAPI))
    }

    /// The plan as people read it; `waitsFor` says why the work starts later than now.
    static func render(_ plan: WorkPlan, scope: String, provider: String, now: Date, waitsFor: String? = nil) -> String {
        guard !plan.models.isEmpty || plan.batchAPI != nil else { return "nothing to plan: \(scope) has no queued or running jobs" }
        let table = TextTable(
            header: ["MODEL", "REQUESTS", "PROMPT TOKENS", "COMPLETION TOKENS", "TOTAL TOKENS", "PACED BY", "TIME", "COST"],
            rows: plan.models.map { model in
                [
                    model.model, "\(model.requests)", "\(model.promptTokens)",
                    "\(model.completionIsUpperBound ? "<= " : "")\(model.completionTokens)", "\(model.totalTokens)",
                    model.binding.uppercased(), duration(model.seconds), model.cost.map { String(format: "$%.4f", $0) } ?? "-",
                ]
            }
        ).rendered
        var lines = ["plan for \(scope) at \(provider)" + (plan.batchAPI != nil ? ", on-demand share" : ""), table]
        if let share = plan.batchAPI {
            lines.append(
                "batch API: \(share.requests.counted("request")), about \(share.totalTokens) tokens, answered by \(localTime(share.finish)) at the latest"
                    + (share.cost.map { String(format: ", about $%.4f at the batch discount", $0) } ?? ""))
        }
        let start = plan.start > now ? "\(localTime(plan.start))" + (waitsFor.map { " (\($0))" } ?? "") : "now"
        lines.append("starts:   \(start)")
        lines.append("finishes: about \(localTime(plan.finish)), \(duration(plan.finish.timeIntervalSince(now))) from now")
        if let deadline = plan.deadline {
            let slack = deadline.timeIntervalSince(plan.finish)
            lines.append(
                "deadline: \(localTime(deadline)): "
                    + (slack >= 0
                        ? "fits, with \(duration(slack)) to spare"
                        : "does NOT fit: \(duration(-slack)) short; jobs left at the deadline will expire"))
        }
        if let cost = plan.cost { lines.append("cost:     about $\(String(format: "%.4f", cost)) at the catalog's prices") }
        for model in plan.models where model.cachedTokens > 0 {
            lines.append(
                "cache:    \(model.model): about \(Int((model.cacheHitRate * 100).rounded()))% of prompt tokens (\(model.cachedTokens)) from the provider's prompt cache, at half price and outside tokens per minute"
            )
        }
        for model in plan.models where model.overOutputLimit > 0 {
            lines.append(
                "warning: \(model.overOutputLimit.counted("job")) ask \(model.model) for more output than it allows: the provider will refuse them (they fall back or fail)"
            )
        }
        let bounded = plan.models.filter(\.completionIsUpperBound).map(\.model)
        if !bounded.isEmpty {
            lines.append(
                "note: no answers seen yet from \(bounded.joined(separator: ", ")): completion tokens counted at max_tokens, so time and cost are upper bounds")
        }
        return lines.joined(separator: "\n")
    }

    static func duration(_ seconds: Double) -> String {
        let days = Int(seconds / 86_400)
        return days > 0 ? "\(days)d " + ProgressDisplay.duration(seconds - Double(days) * 86_400) : ProgressDisplay.duration(seconds)
    }

    static func localTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return formatter.string(from: date)
    }
}
