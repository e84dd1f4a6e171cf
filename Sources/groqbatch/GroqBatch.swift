import ArgumentParser

/// The `groqbatch` command line: a queue of LLM prompts in SQLite, worked under the provider's limits.
@main
struct GroqBatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groqbatch",
        abstract: "Run thousands to millions of LLM prompts through Groq's API, from a SQLite queue.",
        discussion: """
            A typical run:
              groqbatch import prompts.jsonl --model openai/gpt-oss-20b --fallback qwen/qwen3.6-27b
              groqbatch status
              groqbatch export --output results.jsonl

            The queue is one SQLite file (--db, default ./groqbatch.sqlite or $GROQBATCH_DB); query it with
            sqlite3 through the views documented in docs/schema.md.
            """,
        subcommands: [
            InitCommand.self, ImportCommand.self, StatusCommand.self, ExportCommand.self,
            WorkCommand.self, PlanCommand.self, StatsCommand.self, RemoteCommand.self, LimitsCommand.self, CancelCommand.self, RetryCommand.self, ModelsCommand.self,
            PruneCommand.self, BackupCommand.self, VacuumCommand.self, ConfigCommand.self, SimCommand.self,
        ]
    )
}
