import ArgumentParser
import Foundation
import GroqClient
import JobFormats
import QueueStore
import Scheduler

/// `groqbatch models`: the model catalog the workers use, and refreshing it from the provider.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model catalog (limits, context, prices, status); --refresh updates it from the provider.",
        discussion: """
            The catalog is groqbatch's built-in table of Groq's models (or --catalog FILE), corrected by the \
            provider's own list as last fetched with --refresh (GET /models, stored in the queue file, table \
            provider_models). A model the catalog or an earlier list knew that the provider no longer \
            lists becomes decommissioned: workers move jobs naming it to their next model without spending \
            a request on it. A model only the provider lists joins with conservative limits. \
            Limits are the catalog's starting values; `groqbatch limits` shows what the workers learned.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var provider: ProviderOptions

    @Option(help: ArgumentHelp("A model catalog file replacing the built-in one.", valueName: "file"))
    var catalog: String?

    @Flag(help: "Fetch the provider's list (needs the API key) and record it before listing.")
    var refresh = false

    @Flag(help: "Print JSON for scripts.")
    var json = false

    struct Row: Encodable {
        var id: String
        var status: String
        var context_window: Int?
        var max_output: Int?
        var rpm: Int?
        var rpd: Int?
        var tpm: Int?
        var tpd: Int?
        var input_price: Double?
        var output_price: Double?
        var listed_by_provider: Bool?
    }

    func run() async throws {
        try await failingClearly {
            var flags = provider.flags
            if let catalog { flags[.catalog] = .string(catalog) }
            let settings = try await database.settings(flags)
            // With --refresh the client first, so a missing key or an untrusted base URL is said first.
            let client = refresh ? try ProviderOptions.makeClient(settings) : nil
            let store: (any QueueDatabase)?
            let base: ModelCatalog
            do {
                // Listing the catalog needs no queue; what the provider listed lives in one.
                store = refresh ? try await database.open(settings) : try await database.openIfPresent(settings)
                base = try CatalogOption.load(settings)
            } catch {
                try? await client?.shutdown()
                throw error
            }
            let baseURL = ProviderOptions.baseURL(settings)
            let key = ProviderOptions.providerKey(settings)
            if let client, let store {
                OnceNotice.print(ProviderOptions.keyDestination(settings))
                let result: Result<[ModelInfo], ChatFailure>
                do throws(ChatFailure) { result = .success(try await client.models()) } catch { result = .failure(error) }
                try await client.shutdown()
                let listed = try result.mapError { CommandFailure("\(baseURL)/models: \($0.description)") }.get()
                let change = try await store.refreshProviderModels(
                    provider: key,
                    listed: listed.filter { $0.active != false }.map {
                        ProviderModel(id: $0.id, contextWindow: $0.contextWindow, maxOutput: $0.maxCompletionTokens, ownedBy: $0.ownedBy)
                    },
                    catalogIDs: Set(base.entries.keys), now: Date())
                var summary = "\(baseURL) lists \(change.listed.counted("model"))"
                if !change.added.isEmpty { summary += "; new: \(change.added.joined(separator: ", "))" }
                if !change.vanished.isEmpty { summary += "; no longer listed, now decommissioned: \(change.vanished.joined(separator: ", "))" }
                Console.error(summary)
            }
            let listed = try await store?.providerModels(provider: key) ?? []
            let merged = base.merging(listed)
            let listedIDs = Dictionary(listed.map { ($0.id, $0.status == "active") }, uniquingKeysWith: { $1 })
            let rows = merged.entries.values.sorted { $0.id < $1.id }.map { entry in
                Row(
                    id: entry.id, status: entry.status ?? "active", context_window: entry.contextWindow, max_output: entry.maxOutput,
                    rpm: entry.rpm, rpd: entry.rpd, tpm: entry.tpm, tpd: entry.tpd, input_price: entry.inputPrice,
                    output_price: entry.outputPrice, listed_by_provider: listed.isEmpty ? nil : listedIDs[entry.id] ?? false)
            }
            if json {
                print(try Console.json(rows))
                return
            }
            let number = { (value: Int?) in value.map(String.init) ?? "-" }
            let price = { (value: Double?) in value.map { String(format: "%.2f", $0) } ?? "-" }
            print(
                TextTable(
                    header: ["MODEL", "STATUS", "CONTEXT", "MAX OUTPUT", "RPM", "RPD", "TPM", "TPD", "$/M IN", "$/M OUT"],
                    rows: rows.map {
                        [
                            $0.id, $0.status, number($0.context_window), number($0.max_output), number($0.rpm), number($0.rpd),
                            number($0.tpm), number($0.tpd), price($0.input_price), price($0.output_price),
                        ]
                    }
                ).rendered)
            if listed.isEmpty { print("(the provider's list was never fetched here: groqbatch models --refresh)") }
        }
    }
}
