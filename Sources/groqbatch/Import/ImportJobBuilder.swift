import JobFormats
import QueueStore
import Scheduler

/// Turns the lines of an import file into jobs: parsing, validation, each job's model chain and tier.
/// It reads nothing but its input, so chunks of a file are built on every core at once.
struct ImportJobBuilder: Sendable {
    /// What one chunk of lines became.
    struct Built: Sendable {
        var jobs: [NewJob] = []
        var issues: [ImportIssue] = []
        /// Lines that were jobs (valid or not); blank lines are not.
        var jobLines = 0
        var withoutOutputLimit = 0
        var modelsNamed: Set<String> = []
        /// The first line shows the file is not JSON lines at all: the rest need not be read.
        var notJSONLines = false
    }

    var parser: ImportLineParser
    var model: String?
    var fallbackModels: [String]
    var serviceTier: ServiceTier?
    /// `--schema` or `--json`: the `response_format` of lines that set none.
    var responseFormat: JSONValue?

    var file: String { parser.file }

    /// The job's chain: its own model or the batch's, then the fallbacks, each once. A policy (`auto`)
    /// stands alone, spelled out, and the worker replaces it with the models that fit at the first claim.
    func chain(for lineModel: String?) -> [String] {
        if let chosen = lineModel ?? model, let policy = ModelChooser.Policy(name: chosen) { return [policy.rawValue] }
        var models: [String] = []
        for candidate in [lineModel ?? model].compactMap({ $0 }) + fallbackModels where !models.contains(candidate) {
            models.append(candidate)
        }
        return models
    }

    /// A source's chunk: its lines built, its own problems added, each job given its input row.
    func build(_ chunk: SourceChunk, firstOfFile: Bool) -> Built {
        var built = build(chunk.lines, firstOfFile: firstOfFile)
        built.issues += chunk.issues
        if !chunk.inputs.isEmpty {
            for index in built.jobs.indices { built.jobs[index].input = chunk.inputs[built.jobs[index].line] }
        }
        return built
    }

    func build(_ chunk: LineChunk, firstOfFile: Bool) -> Built {
        var built = Built()
        chunk.forEachLine { bytes, line in
            if firstOfFile && built.jobLines == 0 && built.issues.isEmpty, let hint = ImportCommand.notJSONLines(bytes, file: file) {
                // One line for the whole file, not one "malformed JSON" per row.
                built.issues.append(ImportIssue(file: file, line: line, field: "file", message: hint))
                built.notJSONLines = true
            }
            if built.notJSONLines { return }
            do throws(ImportIssue) {
                guard let job = try job(bytes, line: line, built: &built) else { return }
                built.jobs.append(job)
            } catch {
                built.issues.append(error)
            }
        }
        return built
    }

    private func job(_ bytes: ArraySlice<UInt8>, line: Int, built: inout Built) throws(ImportIssue) -> NewJob? {
        guard let parsed = try parser.parse(bytes, line: line) else { return nil }
        built.jobLines += 1
        if parsed.maxTokens == nil { built.withoutOutputLimit += 1 }
        if let named = parsed.model, ModelChooser.Policy.looksLikePolicy(named), ModelChooser.Policy(name: named) == nil {
            throw ImportIssue(file: file, line: line, field: "model", message: "unknown policy '\(named)'; use auto, auto:cheapest or auto:fastest")
        }
        let models = chain(for: parsed.model)
        built.modelsNamed.formUnion(models)
        guard !models.isEmpty else {
            throw ImportIssue(file: file, line: line, field: "model", message: "missing: the line names no model and no --model was given")
        }
        var body = parsed.body
        if let responseFormat, body["response_format"] == nil { body["response_format"] = responseFormat }
        do throws(SchemaProblem) { _ = try ResponseFormat(body: body) } catch {
            throw ImportIssue(file: file, line: line, field: "response_format", message: "the schema cannot be checked: \(error)")
        }
        let requestJSON = JSONValue.object(body).jsonString()
        var job = NewJob(
            line: line, customID: parsed.customID, requestJSON: requestJSON,
            models: models, promptCharacters: parsed.promptCharacters, maxTokens: parsed.maxTokens,
            priority: parsed.priority, truncate: parsed.truncate)
        job.reuseKey = RequestFingerprint.reuseKey(requestJSON: requestJSON, models: models, body: body)
        if let prefix = RequestFingerprint.prefix(body: body) { (job.prefixKey, job.prefixCharacters) = (prefix.key, prefix.characters) }
        if let named = parsed.body["service_tier"]?.stringValue {
            guard let tier = ServiceTier.fromLine(named) else {
                throw ImportIssue(file: file, line: line, field: "service_tier", message: "unknown tier '\(named)'; use flex, on_demand or auto")
            }
            job.serviceTier = tier?.rawValue
        } else {
            job.serviceTier = serviceTier?.rawValue
        }
        return job
    }
}
