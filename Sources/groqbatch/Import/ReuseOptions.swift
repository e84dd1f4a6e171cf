import ArgumentParser
import Foundation
import QueueStore

/// `import --reuse`, `--reuse-max-age`, `--no-reuse`: where identical deterministic requests take their
/// answers from instead of being sent again.
struct ReuseOptions: ParsableArguments {
    @Flag(
        name: .customLong("reuse"),
        help: "Also give jobs the answers of identical requests in earlier batches (see --reuse-max-age), instead of calling again.")
    var acrossBatches = false

    @Option(
        name: .customLong("reuse-max-age"),
        help: ArgumentHelp("With --reuse: the oldest earlier answer to reuse, as an age (7d, 12h, 90m).", valueName: "age"))
    var maxAge: String?

    @Flag(name: .customLong("no-reuse"), help: "Send every job, even requests identical to another in the batch.")
    var off = false

    static let discussion = """
        Identical requests are sent once: jobs of a batch with the same model chain and the same body \
        (compared as canonical JSON) that are deterministic (temperature 0, or a seed) wait for the first \
        one's answer and get a copy of it, marked reused_from in job_results; stats counts the requests, \
        tokens and cost saved. --reuse also takes answers from earlier batches, up to --reuse-max-age \
        (default 7d) old; --no-reuse sends every job.
        """

    func validate() throws {
        if off && (acrossBatches || maxAge != nil) { throw ValidationError("--no-reuse cannot go with --reuse or --reuse-max-age.") }
        if let maxAge {
            guard acrossBatches else { throw ValidationError("--reuse-max-age applies to --reuse; add --reuse.") }
            guard Self.seconds(maxAge) != nil else { throw ValidationError("--reuse-max-age: cannot read '\(maxAge)'; expected an age (7d, 12h, 90m).") }
        }
    }

    var scope: ReuseScope { off ? .off : acrossBatches ? .all : .batch }

    /// Seconds an earlier batch's answer may be old, for `--reuse`.
    var maxAgeSeconds: Double? {
        guard acrossBatches else { return nil }
        return maxAge.flatMap(Self.seconds) ?? ReuseScope.defaultMaxAge
    }

    /// An age in seconds: `7d`, or a Go duration (`12h`, `1h30m`, `90s`).
    static func seconds(_ text: String) -> Double? {
        let now = Date()
        guard text.first?.isNumber == true, let date = AgeArgument(text, now: now)?.date, date <= now else { return nil }
        return now.timeIntervalSince(date)
    }
}
