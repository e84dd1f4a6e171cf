import ArgumentParser
import Foundation
import JobFormats
import QueueStore
import Scheduler

/// `groqbatch limits`: the GroqQueue's meters, and setting or forgetting limits by hand.
struct LimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Show the rate-limit meters every worker shares, or set them by hand.",
        discussion: """
            Each meter is one limit of one model at one provider: rpm and tpm per minute, rpd and tpd per day. \
            A limit starts from the model catalog (source catalog, or default for a model it does not know). \
            The catalog holds Groq's free-tier numbers: a floor, not a ceiling. The provider states the rest: \
            response headers give tpm and rpd (source header), 429 and 413 bodies any kind (source 429). \
            STANDING says which limits are firm and what happens to the others: pinned (`limits set`, firm), \
            learned (stated by the provider, firm), guess (the catalog's, before any answer), tier (the \
            headers showed the catalog's tier), scaled (scaled to the tier the headers showed), probing \
            (raised while work waited on it, until a 429 names the limit), none-stated (the provider sends no \
            rate-limit headers: no limit is assumed). A job larger than a firm limit fails or moves to its \
            next model without a call; a guess never fails a job.
            """,
        subcommands: [ShowLimits.self, SetLimits.self, ResetLimits.self],
        defaultSubcommand: ShowLimits.self)
}

struct ShowLimits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Each meter: limit and source, used, remaining, when it is empty again.")

    @OptionGroup var database: DatabaseOptions

    @Option(
        name: [.customLong("base-url"), .customLong("provider")],
        help: ArgumentHelp("Only this provider's meters (--provider is the same).", valueName: "url"))
    var provider: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() async throws {
        try await failingClearly {
            let store = try await database.open()
            // Meters recorded under another spelling of the base URL (before keys were normalized) show too.
            let only = provider.map(ProviderKey.init)
            let meters = try await store.meterStatuses(now: Date()).filter { only?.names($0.provider) ?? true }
            if json {
                print(try Console.json(meters))
                return
            }
            if meters.isEmpty {
                print("no meters yet: they are created from the catalog when a worker first claims a model's jobs")
                return
            }
            print(
                TextTable(
                    header: ["PROVIDER", "MODEL", "LIMIT", "VALUE", "SOURCE", "STANDING", "USED", "REMAINING", "EMPTY IN", "BLOCKED UNTIL"],
                    rows: meters.map { meter in
                        [
                            meter.provider, meter.model, meter.kind.rawValue.uppercased(), meter.limit.map(String.init) ?? "none", meter.source.rawValue,
                            meter.standing.rawValue,
                            "\(meter.used)", meter.remaining.map(String.init) ?? "-", ProgressDisplay.duration(meter.resetsIn),
                            meter.blockedUntil.map { ISO8601DateFormatter().string(from: $0) } ?? "-",
                        ]
                    }
                ).rendered)
            let estimates = try await store.estimators()
            if !estimates.isEmpty {
                print("")
                print(
                    TextTable(
                        header: ["PROVIDER", "MODEL", "TOKENS/CHAR", "SAMPLES", "ERROR", "CACHE HITS"],
                        rows: estimates.map {
                            [
                                $0.provider, $0.model, String(format: "%.4f", $0.estimator.ratio), "\($0.estimator.samples)",
                                String(format: "%.1f%%", $0.estimator.relativeError * 100),
                                $0.estimator.cacheHitRate.map { String(format: "%.0f%%", $0 * 100) } ?? "-",
                            ]
                        }
                    ).rendered)
            }
        }
    }
}

struct SetLimits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Pin a model's limits (source config).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The model.")
    var model: String

    @Option(
        name: [.customLong("base-url"), .customLong("provider")],
        help: ArgumentHelp("The provider's base URL, as workers use it (--provider is the same). Defaults to $GROQBATCH_BASE_URL or Groq's.", valueName: "url"))
    var provider: String?

    @Option(help: "Requests per minute.") var rpm: Int?
    @Option(help: "Requests per day.") var rpd: Int?
    @Option(help: "Tokens per minute.") var tpm: Int?
    @Option(help: "Tokens per day.") var tpd: Int?

    func validate() throws {
        let values = [rpm, rpd, tpm, tpd].compactMap { $0 }
        if values.isEmpty { throw ValidationError("Give at least one of --rpm, --rpd, --tpm, --tpd.") }
        if values.contains(where: { $0 < 1 }) { throw ValidationError("Limits must be at least 1.") }
    }

    func run() async throws {
        try await failingClearly {
            let settings = try await database.settings()
            let store = try await database.open(settings)
            var limits: [LimitKind: Int] = [:]
            limits[.rpm] = rpm
            limits[.rpd] = rpd
            limits[.tpm] = tpm
            limits[.tpd] = tpd
            let url = provider.map { ProviderKey($0).rawValue } ?? ProviderOptions.providerKey(settings)
            try await store.setLimits(provider: url, model: model, limits: limits, now: Date())
            print("\(model) at \(url): " + limits.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
        }
    }
}

struct ResetLimits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Forget meters; they start again from the catalog.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this model.") var model: String?
    @Option(
        name: [.customLong("base-url"), .customLong("provider")],
        help: ArgumentHelp("Only this provider's base URL (--provider is the same).", valueName: "url"))
    var provider: String?

    func run() async throws {
        try await failingClearly {
            let count = try await database.open().resetLimits(provider: provider.map { ProviderKey($0).rawValue }, model: model)
            print("\(count.counted("meter")) forgotten")
        }
    }
}
