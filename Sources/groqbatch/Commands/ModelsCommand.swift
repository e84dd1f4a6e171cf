import ArgumentParser
import Foundation
import GroqClient

/// `groqbatch models`: the models the provider lists for this key.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models the provider offers to your key (GET /models).")

    @OptionGroup var provider: ProviderOptions

    @Option(help: ArgumentHelp("A JSON configuration file (default $GROQBATCH_CONFIG, or ./groqbatch.json).", valueName: "file"))
    var config: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() async throws {
        try await failingClearly {
            let settings = try await Settings.load(configPath: config, flags: provider.flags)
            let client = try ProviderOptions.makeClient(settings)
            let result: Result<[ModelInfo], ChatFailure>
            do throws(ChatFailure) { result = .success(try await client.models()) } catch { result = .failure(error) }
            try await client.shutdown()
            let models = try result.mapError { CommandFailure("\(ProviderOptions.baseURL(settings))/models: \($0.description)") }.get()
                .sorted { $0.id < $1.id }
            if json {
                let rows = models.map { ["id": $0.id, "owned_by": $0.ownedBy ?? "", "context_window": $0.contextWindow.map(String.init) ?? "", "max_completion_tokens": $0.maxCompletionTokens.map(String.init) ?? ""] }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print(TextTable(
                header: ["MODEL", "CONTEXT", "MAX OUTPUT", "OWNED BY"],
                rows: models.map { [$0.id, $0.contextWindow.map(String.init) ?? "-", $0.maxCompletionTokens.map(String.init) ?? "-", $0.ownedBy ?? "-"] }
            ).rendered)
        }
    }
}
