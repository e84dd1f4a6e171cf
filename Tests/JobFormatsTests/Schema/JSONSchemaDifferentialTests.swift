import Foundation
import JobFormats
import TestSupport
import Testing

/// groqbatch's validator against Python's jsonschema (Draft 2020-12) on a generated corpus: the same
/// verdict for every schema and document. Python's `re` reads `$`, `\d`, `\w`, `\s`, `.` and `\b` as ICU
/// does, not as ECMA-262; the corpus's strings never meet those differences (no line terminators, no
/// non-ASCII digits or spaces), and SchemaPatternECMATests holds `pattern` to ECMA on them.
struct JSONSchemaDifferentialTests {
    static let python: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin")
        .split(separator: ":").map { "\($0)/python3" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func theSameVerdictsAsPythonsJsonschemaOnAGeneratedCorpus() throws {
        let python = try #require(Self.python, "python3 is needed for the reference validator")
        let probe = try CommandRun.run(python, ["-c", "import jsonschema"])
        try #require(probe.status == 0, "python3 has no jsonschema package: run `make test-deps`")
        // SCHEMA_CORPUS_SEED tries another corpus by hand; the suite always runs the same one.
        let seed = ProcessInfo.processInfo.environment["SCHEMA_CORPUS_SEED"].flatMap { UInt64($0) } ?? 20_261_202
        var corpus = SchemaCorpus(seed: seed)
        var cases: [(schema: JSONValue, instance: JSONValue)] = []
        while cases.count < 3_000 {
            let schema = corpus.schema()
            for _ in 0..<3 { cases.append((schema, corpus.instance(for: schema, root: schema))) }
        }
        let folder = TemporaryDirectory()
        let lines = cases.map { JSONValue.object(["schema": $0.schema, "instance": $0.instance]).jsonString() }
        let file = folder.write("cases.jsonl", lines.joined(separator: "\n") + "\n")
        let script = PackagePaths.path("Tests/JobFormatsTests/Schema/jsonschema_verdicts.py")
        let run = try CommandRun.run(python, [script, file])
        try #require(run.status == 0, "the reference failed: \(String(run.stderr.suffix(2_000)))")
        let answers = run.stdout.split(separator: "\n")
        try #require(answers.count == cases.count)
        let unjudged = answers.indices.filter { answers[$0].hasPrefix("error") }
        #expect(
            unjudged.isEmpty, "the reference could not judge \(unjudged.count) cases, first: \(unjudged.first.map { "\(lines[$0]) → \(answers[$0])" } ?? "")")
        let verdicts = answers.map { $0 == "1" }
        var disagreements: [String] = []
        for (index, (schema, instance)) in cases.enumerated() {
            let compiled = try JSONSchema(schema)
            let ours = compiled.validate(instance)
            if (ours == nil) != verdicts[index] {
                disagreements.append("\(lines[index]) → reference \(verdicts[index]), ours \(ours.map(\.description) ?? "valid")")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, first: \(disagreements.prefix(3).joined(separator: "\n"))")
        // The corpus is worth something only with both verdicts in numbers.
        let valid = verdicts.filter { $0 }.count
        #expect(valid > cases.count / 5 && valid < cases.count * 4 / 5, "valid \(valid) of \(cases.count)")
    }
}
