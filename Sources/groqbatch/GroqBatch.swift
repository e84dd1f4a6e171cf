import ArgumentParser
import Foundation
import JobFormats

/// The `groqbatch` command line: a queue of LLM prompts in SQLite, worked under the provider's limits.
@main
struct GroqBatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groqbatch",
        abstract: "Run thousands to millions of LLM prompts through Groq's API, from a SQLite queue.",
        discussion: """
            A typical run:
              groqbatch import prompts.jsonl --model openai/gpt-oss-20b \\
                --fallback qwen/qwen3.6-27b
              groqbatch work --drain
              groqbatch status
              groqbatch export --output results.jsonl

            The queue is one SQLite file (--db, default ./groqbatch.sqlite or $GROQBATCH_DB); query it with \
            sqlite3 through the views documented in docs/schema.md.
            """,
        subcommands: [
            InitCommand.self, ImportCommand.self, StatusCommand.self, ExportCommand.self,
            WorkCommand.self, PlanCommand.self, StatsCommand.self, RemoteCommand.self, LimitsCommand.self, CancelCommand.self, RetryCommand.self,
            ModelsCommand.self, ServeCommand.self,
            PruneCommand.self, BackupCommand.self, VacuumCommand.self, CopyCommand.self, ConfigCommand.self, SimCommand.self,
        ]
    )

    /// Runs the command line; a first word that names no command gets its own clear line (with the closest
    /// command) instead of ArgumentParser's complaint about the options after it.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, let message = unknownCommand(first) {
            FileHandle.standardError.write(Data("groqbatch: \(message)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        await main(arguments)
    }

    /// Why `word`, given where a command belongs, is not one; nil when it is one (or an option, or help).
    static func unknownCommand(_ word: String) -> String? {
        guard !word.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !names.contains(word) else { return nil }
        let guess = ClosestMatch.closest(to: word, among: names).map { "; did you mean '\($0)'?" } ?? ""
        return "unknown command '\(word)'\(guess) (groqbatch --help lists the commands)"
    }
}
