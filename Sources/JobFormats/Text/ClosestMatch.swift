/// Finds what a person most likely meant when a name is not known: a model id with a typo
/// (`openai/gpt-oss-20`), a misspelt command (`statsu`).
public enum ClosestMatch {
    /// The candidate nearest to `name` by edit distance, when it is near enough to be a likely typo:
    /// at most a third of the longer name's characters differ (and at least one may). Between equally
    /// near candidates, one of the same length wins (two swapped letters, `stauts`, meant `status`, not
    /// `stats`), then the first in alphabetical order.
    public static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let lowered = Array(name.lowercased())
        var best: (candidate: String, distance: Int, lengthDifference: Int)?
        for candidate in candidates where candidate != name {
            let distance = editDistance(lowered, Array(candidate.lowercased()))
            let allowed = max(1, max(lowered.count, candidate.count) / 3)
            guard distance <= allowed else { continue }
            let lengthDifference = abs(candidate.count - lowered.count)
            if let current = best,
                (current.distance, current.lengthDifference, current.candidate) <= (distance, lengthDifference, candidate)
            {
                continue
            }
            best = (candidate, distance, lengthDifference)
        }
        return best?.candidate
    }

    /// The optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    /// adjacent characters, each costing one (a swap is the commonest typo, and Levenshtein counts it twice).
    public static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
