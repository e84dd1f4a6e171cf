import Scheduler
import Testing

struct ModelChooserTests {
    let catalog = ModelCatalog(
        entries: [
            .init(id: "small-cheap", contextWindow: 8_000, maxOutput: 4_000, inputPrice: 0.05, outputPrice: 0.08),
            .init(id: "large-dear", contextWindow: 128_000, maxOutput: 16_000, inputPrice: 0.6, outputPrice: 0.9),
            .init(id: "mid", contextWindow: 32_000, maxOutput: 8_000, inputPrice: 0.2, outputPrice: 0.3),
            .init(id: "retired", contextWindow: 1_000_000, inputPrice: 0.01, outputPrice: 0.01, status: "decommissioned"),
            .init(id: "unknown-window", inputPrice: 0.001, outputPrice: 0.001),
        ], source: .catalog)

    @Test func cheapestWinsAmongTheModelsThatFit() {
        let chooser = ModelChooser(catalog: catalog)
        #expect(chooser.chain(policy: .cheapest, promptCharacters: 4_000, maxTokens: 500, truncate: false) == ["small-cheap", "mid", "large-dear"])
    }

    @Test func aLongPromptGoesToTheLargeContextModel() {
        let chooser = ModelChooser(catalog: catalog)
        // 200,000 characters are about 50,000 tokens: only the 128k window holds them.
        #expect(chooser.chain(policy: .cheapest, promptCharacters: 200_000, maxTokens: 1_000, truncate: false) == ["large-dear"])
        #expect(chooser.chain(policy: .cheapest, promptCharacters: 2_000_000, maxTokens: 1_000, truncate: false).isEmpty)
        #expect(
            chooser.chain(policy: .cheapest, promptCharacters: 2_000_000, maxTokens: 1_000, truncate: true) == ["small-cheap", "mid", "large-dear"],
            "a prompt that may be truncated fits any window its output leaves room in")
    }

    @Test func anOutputLimitAboveAModelsMaximumRulesItOut() {
        let chooser = ModelChooser(catalog: catalog)
        #expect(chooser.chain(policy: .cheapest, promptCharacters: 100, maxTokens: 10_000, truncate: false) == ["large-dear"])
    }

    @Test func fastestFollowsObservedLatencyThenPrice() {
        let chooser = ModelChooser(catalog: catalog, latencies: ["large-dear": 0.4, "mid": 1.2])
        #expect(chooser.chain(policy: .fastest, promptCharacters: 400, maxTokens: 100, truncate: false) == ["large-dear", "mid", "small-cheap"])
    }

    @Test func policiesAreReadByName() {
        #expect(ModelChooser.Policy(name: "auto") == .cheapest)
        #expect(ModelChooser.Policy(name: "auto:fastest") == .fastest)
        #expect(ModelChooser.Policy(name: "auto:best") == nil && ModelChooser.Policy.looksLikePolicy("auto:best"))
        #expect(ModelChooser.Policy(name: "openai/gpt-oss-20b") == nil && !ModelChooser.Policy.looksLikePolicy("openai/gpt-oss-20b"))
    }
}
