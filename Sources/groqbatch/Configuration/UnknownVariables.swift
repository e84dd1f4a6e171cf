import JobFormats

/// `GROQBATCH_*` variables that name no setting: most likely a misspelt one (`GROQBATCH_MAX_COST_PER_DAY`
/// for `GROQBATCH_WORK_MAX_COST_PER_DAY`), which the environment layer would pass over without a word
/// while the same key in a file is an error.
enum UnknownVariables {
    /// `GROQBATCH_` variables that are not settings: the configuration file's own (chosen before the
    /// layers are read), and the test suite's binary and PostgreSQL server.
    static let allowed: Set<String> = ["GROQBATCH_CONFIG", "GROQBATCH_BIN", "GROQBATCH_TEST_POSTGRES"]

    /// One warning per variable that names no setting, with the closest setting's variable.
    static func warnings(_ environment: [String: String]) -> [String] {
        let known = SettingKey.allCases.map(\.environmentVariable)
        let unknown = environment.keys.filter { $0.hasPrefix("GROQBATCH_") && !allowed.contains($0) && !known.contains($0) }
        return unknown.sorted().map { name in
            let guess = ClosestMatch.closest(to: name, among: known).map { "; did you mean \($0)?" } ?? ""
            return "environment variable \(name) names no setting and is ignored\(guess) (`groqbatch config show` lists the settings)"
        }
    }
}
