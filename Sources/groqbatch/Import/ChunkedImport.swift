import Foundation
import JobFormats
import QueueStore

/// Reads, builds and stages an import file a chunk at a time: while one chunk is written (one short
/// transaction, so workers keep claiming in between), the next ones are parsed on the other cores. The
/// jobs stay out of the workers' sight until the whole file is in; a bad file withdraws them all.
struct ChunkedImport {
    static let linesPerChunk = 5_000
    static let bytesPerChunk = 4 << 20
    /// Chunks parsed ahead of the one being written: enough to keep every core busy, few enough that
    /// memory stays flat in the file's size.
    static let chunksAhead = 4
    /// How often a running import says it is alive, input or not: well inside the age at which a
    /// staging batch is taken for abandoned and deleted.
    static let heartbeatInterval: Duration = .seconds(SQLiteJobStore.abandonedImportAge / 10)

    /// What the import did, for the summary and the warnings after it.
    struct Outcome {
        var summary: ImportSummary
        var issues = 0
        var jobLines = 0
        var withoutOutputLimit = 0
        var modelsNamed: Set<String> = []
        var notJSONLines = false
        /// A problem with the whole file (line 0: it cannot be read on, or is empty): the file was not
        /// read to its end, so not even `--skip-invalid` imports what came before it.
        var fileProblem = false
    }

    /// The import was withdrawn: nothing of it is in the queue.
    struct Withdrawn: Error {
        var outcome: Outcome
    }

    let source: any ImportSource
    let builder: ImportJobBuilder
    let store: any ImportStore
    let spec: BatchSpec
    let skipInvalid: Bool
    /// Called with each problem in line order (within a chunk) as it is found.
    let onIssue: (ImportIssue, Int) -> Void
    /// Called after each chunk with the lines read and the jobs added so far.
    let onProgress: (Int, Int) -> Void
    var heartbeatInterval = Self.heartbeatInterval

    func run() async throws -> Outcome {
        var outcome = Outcome(summary: ImportSummary(batchName: spec.name))
        let staged = try await store.beginImport(spec, now: nil)
        do {
            try await stageChunks(into: staged, outcome: &outcome)
            if outcome.jobLines == 0 && outcome.issues == 0 {
                report(ImportIssue(file: builder.file, line: 0, field: "file", message: "is empty: no job lines"), &outcome)
            }
            if outcome.fileProblem || (outcome.issues > 0 && (!skipInvalid || outcome.summary.inserted == 0)) { throw Withdrawn(outcome: outcome) }
            try await store.commitImport(staged, now: nil)
            return outcome
        } catch {
            // Withdrawn as a whole; if even that fails, the staging batch stays out of sight and is
            // deleted as abandoned later.
            try? await store.discardImport(staged)
            throw error
        }
    }

    private func report(_ issue: ImportIssue, _ outcome: inout Outcome) {
        outcome.issues += 1
        if issue.line == 0 { outcome.fileProblem = true }
        onIssue(issue, outcome.issues)
    }

    /// What the tasks of an import report: a chunk read (nil at the end), a chunk built, or a chunk
    /// written with what became of each job. (The heartbeat reports only its failure.)
    private enum Event: Sendable {
        case read(SourceChunk?)
        case built(Int, ImportJobBuilder.Built)
        case staged([ImportSink.Addition])
    }

    /// Builds chunks on every core and writes them in order, one at a time: the file is read and the
    /// next chunks are built while the last one is written, so neither waits for the other. Meanwhile
    /// the import's heartbeat beats, whether input arrives or not (a producer may pause for longer than
    /// a staging batch may go silent), and its failure (the staging batch was deleted) ends the import.
    private func stageChunks(into staged: StagedImport, outcome: inout Outcome) async throws {
        let builder = self.builder
        let store = self.store
        let reader = SourceReader(source)
        let interval = heartbeatInterval
        try await withThrowingTaskGroup(of: Event.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: interval)
                    do {
                        try await store.beatImport(staged, now: nil)
                    } catch let lost as ImportLost {
                        throw lost
                    } catch {
                        // A busy database: the next beat tries again, and a lasting fault fails a chunk's write.
                    }
                }
            }
            defer { group.cancelAll() }
            var read = 0
            var written = 0
            var lines = 0
            var reading = false
            var endOfInput = false
            var ready: [Int: ImportJobBuilder.Built] = [:]
            var writing: ImportJobBuilder.Built?
            func readAhead(_ group: inout ThrowingTaskGroup<Event, any Error>) {
                guard !endOfInput && !reading && read - written < Self.chunksAhead else { return }
                reading = true
                group.addTask { .read(try await reader.next(maxLines: Self.linesPerChunk, maxBytes: Self.bytesPerChunk)) }
            }
            readAhead(&group)
            // Done when every chunk read is written (a read still out after a file found not to be JSON
            // lines is cancelled, as is the heartbeat).
            while !(endOfInput && written == read && writing == nil), let event = try await group.next() {
                switch event {
                case .read(let chunk):
                    reading = false
                    // After a file found not to be JSON lines, what is read is dropped.
                    guard !endOfInput else { break }
                    guard let chunk else {
                        endOfInput = true
                        break
                    }
                    let index = read
                    group.addTask { .built(index, builder.build(chunk, firstOfFile: index == 0)) }
                    read += 1
                case .built(let index, let built):
                    ready[index] = built
                case .staged(let additions):
                    if let done = writing { absorb(done, additions, outcome: &outcome) }
                    writing = nil
                    onProgress(lines, outcome.summary.inserted)
                }
                if writing == nil, let next = ready.removeValue(forKey: written) {
                    written += 1
                    lines = next.jobs.last?.line ?? next.issues.last?.line ?? lines
                    if next.notJSONLines || outcome.notJSONLines {
                        // The file is not JSON lines: say so once and read no further.
                        if !outcome.notJSONLines { absorb(next, [], outcome: &outcome) }
                        endOfInput = true
                    } else {
                        writing = next
                        let jobs = next.jobs
                        group.addTask { .staged(try await store.stage(jobs, into: staged, now: nil)) }
                    }
                }
                readAhead(&group)
            }
        }
    }

    /// Counts a written chunk and reports its problems in line order, the duplicate `custom_id`s the
    /// write found among them. (Chunks are written after a problem too, so one round finds them all.)
    private func absorb(_ built: ImportJobBuilder.Built, _ additions: [ImportSink.Addition], outcome: inout Outcome) {
        outcome.jobLines += built.jobLines
        outcome.withoutOutputLimit += built.withoutOutputLimit
        outcome.modelsNamed.formUnion(built.modelsNamed)
        outcome.notJSONLines = outcome.notJSONLines || built.notJSONLines
        var issues = built.issues
        for (job, addition) in zip(built.jobs, additions) {
            switch addition {
            case .inserted: outcome.summary.inserted += 1
            case .alreadyPresent: outcome.summary.alreadyPresent += 1
            case .duplicate(let earlier):
                issues.append(
                    ImportIssue(
                        file: builder.file, line: job.line, field: "custom_id", message: "duplicate '\(job.customID)', first used on line \(earlier)"))
            }
        }
        for issue in issues.sorted(by: { $0.line < $1.line }) { report(issue, &outcome) }
    }
}
