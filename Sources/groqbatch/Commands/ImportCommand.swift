import ArgumentParser
import Foundation
import JobFormats
import QueueStore
import Scheduler

/// `groqbatch import FILE|-`: validates every line and adds the jobs to a batch, all or nothing.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the prompts of a JSONL file, or a table of rows through a template, to the queue.",
        discussion: """
            Each line is one job, in any of these forms:
              {"custom_id": "a1", "method": "POST", "url": "/v1/chat/completions",
               "body": {"messages": [...]}}   (the Batch API's input form, on one line)
              {"custom_id": "a2", "messages": [{"role": "user", "content": "Hi"}]}
              {"prompt": "Summarise ...", "system": "Be brief", "max_tokens": 200}
            Any other field is a chat parameter, sent as it is. A line without custom_id gets its line number.

            Every line is checked before anything is written: with any bad line nothing is imported, each \
            problem is printed as FILE:LINE: field: what is wrong, and the exit code is 1 \
            (--skip-invalid imports the good lines instead). Importing the same file into the same batch \
            again adds nothing: jobs are matched by custom_id.

            From a table: --template prompt.mustache --data rows.csv (or rows.jsonl) makes one job a row, \
            its user message the template rendered with the row's columns; the row is kept with the job \
            (export --with-input gives it back). Problems are reported as rows.csv:LINE, as above.

            Structured answers: --schema schema.json asks every model for JSON matching the schema and \
            checks each answer here; the parsed value is stored (job_results.parsed) and export --fields \
            puts its fields in columns. --json asks for any JSON object.

            \(ReuseOptions.discussion)
            """)

    @Argument(help: ArgumentHelp("The JSONL file to import, or - for standard input. Not with --data.", valueName: "file"))
    var file: String?

    @OptionGroup(title: "From a table of data, to structured answers") var structured: TemplateOptions

    @OptionGroup(title: "Answer reuse") var reuse: ReuseOptions

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The batch to add the jobs to. Defaults to the file's name without its extension.")
    var batch: String?

    @Option(
        help: ArgumentHelp(
            "The model for lines that name none; it heads each job's fallback chain.",
            discussion:
                "auto (= auto:cheapest) or auto:fastest lets the worker choose per job among the catalog's models whose context window fits, and build the fallback chain from the rest."
        ))
    var model: String?

    @Option(help: ArgumentHelp("Models to fall back to, in order, after the job's own.", valueName: "a,b"))
    var fallback: String?

    @Option(name: .customLong("max-tokens"), help: "The output limit for lines that set neither max_tokens nor max_completion_tokens.")
    var maxTokens: Int?

    @Option(help: "The priority of lines that give none; higher runs first.")
    var priority: Int = 0

    @Option(name: .customLong("not-before"), help: ArgumentHelp("Start no job of this import before then: \(TimeArgument.help).", valueName: "time"))
    var notBefore: String?

    @Option(
        help: ArgumentHelp(
            "Jobs not finished by then expire (status expired, not failed): \(TimeArgument.help). HH:MM counts from --not-before.",
            valueName: "time"))
    var deadline: String?

    @Option(name: .customLong("max-attempts"), help: "Calls allowed per model for each job before it moves on.")
    var maxAttempts: Int = 5

    @Flag(name: .customLong("skip-invalid"), help: "Import the valid lines and report the invalid ones.")
    var skipInvalid = false

    @Option(name: .customLong("token-cap"), help: "Tokens (prompt + completion) the whole batch may use; at the cap it pauses, jobs stay queued.")
    var tokenCap: Int?

    @Option(
        name: .customLong("max-cost"),
        help: ArgumentHelp("US dollars the whole batch may cost at the catalog's prices; at the cap it pauses.", valueName: "usd"))
    var maxCost: Double?

    @Flag(
        help:
            "Shorten prompts too long for their model's context window (keeping system messages and the newest turns) instead of failing them; results say truncated. A line's \"truncate\": true does the same for one job."
    )
    var truncate = false

    @Option(
        help: ArgumentHelp(
            "on-demand (calls within the rate limits), batch-api (the provider's Batch API: uploaded files, run within a 24 h to 7 d window at a discount, outside the on-demand limits), or auto (on demand what the limits finish before --deadline, the Batch API for the rest when the deadline is 24 h or more away).",
            valueName: "executor"))
    var via: Executor = .onDemand

    @Option(
        name: .customLong("if-remote-expires"),
        help: ArgumentHelp(
            "With --via batch-api or auto: what the jobs an expired remote batch left unanswered do. requeue (the default): into a new remote batch while the deadline leaves room for a whole 24 h window, on-demand calls when it does not; on-demand: on-demand calls at once (full price, within the on-demand limits); fail: failed.",
            valueName: "policy"))
    var ifRemoteExpires: RemoteExpiryPolicy = .requeue

    @Option(
        name: .customLong("service-tier"),
        help: ArgumentHelp(
            "flex, on_demand or auto: the tier to ask for, for lines that name none. flex has about ten times the on-demand limits and its own meters, but answers 498 when busy.",
            valueName: "tier"))
    var serviceTier: ServiceTier?

    @Flag(name: .customLong("flex-fallback"), help: "After a 498 (flex busy), send the job on_demand instead of waiting for flex.")
    var flexFallback = false

    @Flag(
        name: .customLong("fallback-when-limited"),
        help: "Let jobs move down their model chain when their own model is out of budget (by default they wait for it).")
    var fallbackWhenLimited = false

    /// Issues printed in full; past this only their count is given, so a broken million-line file stays readable.
    static let printedIssueLimit = 1000

    /// The file the jobs come from: the JSONL file, or the template's data.
    var inputFile: String { file ?? structured.data ?? "-" }

    func validate() throws {
        if file == nil && structured.data == nil { throw ValidationError("Name a JSONL file to import (or - for standard input), or --template with --data.") }
        if file != nil && structured.data != nil { throw ValidationError("Import either a JSONL file or --data rows through a --template, not both.") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1 (got \(maxTokens)).") }
        if maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1 (got \(maxAttempts)).") }
        if let notBefore, TimeArgument(notBefore) == nil {
            throw ValidationError("--not-before: cannot read '\(notBefore)'; expected \(TimeArgument.help).")
        }
        if let deadline {
            guard let parsed = deadlineDate else {
                throw ValidationError("--deadline: cannot read '\(deadline)'; expected \(TimeArgument.help).")
            }
            if parsed <= Date() { throw ValidationError("--deadline: \(deadline) is in the past.") }
            if let start = notBeforeDate, parsed <= start {
                throw ValidationError("--deadline (\(deadline)) must come after --not-before (\(notBefore ?? "")).")
            }
        }
        if let model, model.isEmpty { throw ValidationError("--model must not be empty.") }
        if via != .onDemand, let model, ModelChooser.Policy.looksLikePolicy(model) {
            throw ValidationError("--via batch-api needs a model per job; --model \(model) chooses at claim time, which the Batch API has none of.")
        }
        if let model, ModelChooser.Policy.looksLikePolicy(model) {
            guard ModelChooser.Policy(name: model) != nil else {
                throw ValidationError("--model: unknown policy '\(model)'; use auto, auto:cheapest or auto:fastest.")
            }
            if !fallbackModels.isEmpty { throw ValidationError("--model \(model) builds its own fallback chain from the catalog; drop --fallback.") }
        }
        if let tokenCap, tokenCap < 1 { throw ValidationError("--token-cap must be at least 1.") }
        if let maxCost, !(maxCost > 0) { throw ValidationError("--max-cost must be more than 0.") }
    }

    var notBeforeDate: Date? { notBefore.flatMap { TimeArgument($0)?.date } }

    /// The deadline; a bare clock time is the next one after the start, so `--not-before 22:00 --deadline 07:00`
    /// means the morning after.
    var deadlineDate: Date? { deadline.flatMap { TimeArgument($0, now: notBeforeDate ?? Date())?.date } }

    var fallbackModels: [String] {
        (fallback ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    var batchName: String {
        if let batch { return batch }
        if inputFile == "-" { return "stdin" }
        return URL(fileURLWithPath: inputFile).deletingPathExtension().lastPathComponent
    }

    /// Builds the jobs from the lines, on every core.
    var builder: ImportJobBuilder {
        ImportJobBuilder(
            parser: ImportLineParser(file: inputFile, defaultMaxTokens: maxTokens), model: model, fallbackModels: fallbackModels,
            serviceTier: serviceTier)
    }

    /// Every model id known: the catalog's (built in, or the configuration's) and the provider's own list
    /// as `models --refresh` last stored it.
    func knownModels(_ settings: Settings, store: any ReportStore) async throws -> Set<String> {
        let catalog = try CatalogOption.load(settings)
        let listed = try await store.providerModels(provider: ProviderOptions.providerKey(settings))
        return Set(catalog.entries.keys).union(listed.map(\.id))
    }

    /// When the first line shows the file is not JSON lines at all (a CSV or TSV table, most often):
    /// what it looks like and what to do instead.
    static func notJSONLines(_ bytes: some Collection<UInt8>, file: String) -> String? {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard let first = text.first, first != "{" else { return nil }
        let lowered = file.lowercased()
        let table = lowered.hasSuffix(".csv") || lowered.hasSuffix(".tsv") || text.contains(",") || text.contains("\t")
        guard table else { return nil }
        let kind = lowered.hasSuffix(".tsv") || (text.contains("\t") && !text.contains(",")) ? "TSV" : "CSV"
        return
            "this looks like a \(kind) table, not JSON lines (one JSON object a line, such as {\"custom_id\": \"a1\", \"prompt\": \"...\"}); to make one job a row, import it with --data \(file) --template prompt.mustache\(kind == "TSV" ? " --delimiter tab" : "") (the template writes the prompt with {{column}})"
    }

    func run() async throws {
        try await failingClearly {
            let file = inputFile
            let source: any ImportSource
            if let rendered = try structured.source() {
                source = rendered
            } else {
                do throws(LineReader.OpenError) { source = try LineReader(path: file) } catch { throw CommandFailure(error.description) }
            }
            let settings = try await database.settings()
            var builder = self.builder
            builder.responseFormat = try structured.responseFormat(chain: builder.chain(for: nil), catalog: try CatalogOption.load(settings))
            let store = try await database.open(settings, creating: true)
            var spec = BatchSpec(
                name: batchName, source: file, models: builder.chain(for: nil), maxTokens: maxTokens, priority: priority,
                notBefore: notBeforeDate, deadline: deadlineDate, maxAttempts: maxAttempts,
                fallbackWhenLimited: fallbackWhenLimited, tokenCap: tokenCap, costCap: maxCost)
            spec.truncate = truncate
            spec.via = via
            spec.flexFallback = flexFallback
            spec.ifRemoteExpires = ifRemoteExpires
            spec.reuse = reuse.scope
            spec.reuseMaxAge = reuse.maxAgeSeconds
            var progress = ProgressLine(label: "importing \(file)")
            let outcome: ChunkedImport.Outcome
            do {
                outcome = try await ChunkedImport(
                    source: source, builder: builder, store: store, spec: spec, skipInvalid: skipInvalid,
                    onIssue: { issue, count in if count <= Self.printedIssueLimit { Console.error(issue.description) } },
                    onProgress: { lines, inserted in progress.update("\(lines.counted("line")), \(inserted) new jobs") }
                ).run()
            } catch let withdrawn as ChunkedImport.Withdrawn {
                progress.finish()
                let issues = withdrawn.outcome.issues
                if issues > Self.printedIssueLimit { Console.error("... and \(issues - Self.printedIssueLimit) more problems") }
                throw CommandFailure(
                    withdrawn.outcome.fileProblem && withdrawn.outcome.jobLines > 0
                        ? "\(file): the file could not be read to its end; nothing imported"
                        : skipInvalid
                            ? "\(file): no valid lines; nothing imported"
                            : withdrawn.outcome.jobLines == 0
                                ? "\(file): nothing imported"
                                : "\(file): \(issues) problem\(issues == 1 ? "" : "s"); nothing imported (--skip-invalid imports the valid lines)")
            } catch let conflict as ImportConflict {
                progress.finish()
                throw CommandFailure(conflict.description)
            } catch let lost as ImportLost {
                progress.finish()
                throw CommandFailure(lost.description)
            } catch let unreadable as LineReader.OpenError {
                // The file opened but cannot be read on (a directory, an I/O error): nothing imported.
                progress.finish()
                throw CommandFailure("\(unreadable.description); nothing imported")
            }
            progress.finish()
            let summary = outcome.summary
            var message = "batch '\(summary.batchName)': \(summary.inserted) job\(summary.inserted == 1 ? "" : "s") imported"
            if summary.alreadyPresent > 0 {
                message += ", \(summary.alreadyPresent) already in the batch (unchanged)"
            }
            if outcome.issues > 0 { message += ", \(outcome.issues) invalid line\(outcome.issues == 1 ? "" : "s") skipped" }
            print(message)
            if summary.inserted > 0 {
                let known = try await knownModels(settings, store: store)
                let named = outcome.modelsNamed.union(builder.chain(for: nil))
                for named in named.sorted() where !known.contains(named) && !ModelChooser.Policy.looksLikePolicy(named) {
                    let guess = ClosestMatch.closest(to: named, among: known).map { "; did you mean '\($0)'?" } ?? ""
                    Console.error(
                        "warning: model '\(named)' is neither in the catalog nor in the provider's list (groqbatch models --refresh)\(guess) The jobs are kept: the provider decides when they run."
                    )
                }
            }
            if outcome.withoutOutputLimit > 0 && summary.inserted > 0 {
                Console.error(
                    "warning: \(outcome.withoutOutputLimit.counted("job")) set no max_tokens: Groq reserves the model's whole output limit against tokens per minute for each, so fewer run at once; --max-tokens N sets one"
                )
            }
        }
    }
}

extension RemoteExpiryPolicy: ExpressibleByArgument {}
extension Executor: ExpressibleByArgument {}
extension ServiceTier: ExpressibleByArgument {}
