/// `--model auto`: for each job, the catalog's models that can take it, best first by the policy; the
/// first is called, the rest are its fallback chain.
public struct ModelChooser: Sendable {
    /// How `auto` orders the models that fit.
    public enum Policy: String, Sendable, CaseIterable {
        /// The lowest estimated price for the job at the catalog's prices (`auto` means this).
        case cheapest = "auto:cheapest"
        /// The lowest average latency observed recently; models never called come after, cheapest first.
        case fastest = "auto:fastest"

        /// Reads `auto`, `auto:cheapest` or `auto:fastest`; nil for a model name.
        public init?(name: String) {
            if name == "auto" { self = .cheapest } else if let policy = Policy(rawValue: name) { self = policy } else { return nil }
        }

        /// Whether a name looks like a policy (`auto` or `auto:...`), known or not.
        public static func looksLikePolicy(_ name: String) -> Bool { name == "auto" || name.hasPrefix("auto:") }
    }

    public let catalog: ModelCatalog
    public var estimators: [String: TokenEstimator]
    /// Average seconds of a successful call per model, from the statistics.
    public var latencies: [String: Double]

    public init(catalog: ModelCatalog, estimators: [String: TokenEstimator] = [:], latencies: [String: Double] = [:]) {
        self.catalog = catalog
        self.estimators = estimators
        self.latencies = latencies
    }

    /// The chain for a job: every active model with a known context window that holds its prompt and
    /// output (any window when the job may be truncated), and whose output limit allows its `max_tokens`.
    public func chain(policy: Policy, promptCharacters: Int, maxTokens: Int?, truncate: Bool) -> [String] {
        let fitting = catalog.entries.values.filter { entry in
            guard !entry.isDecommissioned, let window = entry.contextWindow else { return false }
            if let maxTokens, let maxOutput = entry.maxOutput, maxTokens > maxOutput { return false }
            if truncate { return (maxTokens ?? 0) < window }
            return promptTokens(promptCharacters, model: entry.id) + (maxTokens ?? 0) <= window
        }
        let price = { (entry: ModelCatalog.Entry) -> Double in
            guard entry.inputPrice != nil || entry.outputPrice != nil else { return .infinity }
            let output = maxTokens ?? entry.maxOutput ?? 0
            return entry.cost(promptTokens: promptTokens(promptCharacters, model: entry.id), completionTokens: output)
        }
        let ordered = fitting.sorted { a, b in
            switch policy {
            case .cheapest:
                return (price(a), a.id) < (price(b), b.id)
            case .fastest:
                return (latencies[a.id] ?? .infinity, price(a), a.id) < (latencies[b.id] ?? .infinity, price(b), b.id)
            }
        }
        return ordered.map(\.id)
    }

    func promptTokens(_ characters: Int, model: String) -> Int {
        Int((Double(characters) * (estimators[model] ?? TokenEstimator()).ratio).rounded(.up))
    }
}
