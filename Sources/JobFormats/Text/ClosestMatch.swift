/// Finds what a person most likely meant when a name is not known: a model id with a typo
/// (`openai/gpt-oss-20`), a misspelt command (`statsu`).
public enum ClosestMatch {
    /// The candidate nearest to `name` by edit distance, when it is near enough to be a likely typo:
    /// at most a third of the longer name's characters differ (and at least one may).
    public static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let lowered = Array(name.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let distance = editDistance(lowered, Array(candidate.lowercased()))
            let allowed = max(1, max(lowered.count, candidate.count) / 3)
            guard distance <= allowed else { continue }
            if best == nil || distance < best!.distance || (distance == best!.distance && candidate < best!.candidate) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// Levenshtein distance: insertions, deletions and substitutions, each costing one.
    public static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
