import Scheduler
import Testing

struct TokenEstimatorTests {
    @Test func itConvergesToTheProvidersRatioWithinAFewPercent() {
        var estimator = TokenEstimator()
        #expect(estimator.ratio == 0.25)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            let characters = Int.random(in: 200...2000, using: &generator)
            let noise = Double.random(in: -0.04...0.04, using: &generator)
            estimator.learn(characters: characters, tokens: Int(Double(characters) * 0.18 * (1 + noise)))
        }
        #expect(abs(estimator.ratio - 0.18) / 0.18 < 0.03)
        #expect(estimator.relativeError < 0.05)
        #expect(estimator.margin <= 0.08)
        let estimate = estimator.estimate(characters: 1000)
        #expect(estimate >= 180 && estimate < 200, "a small safety margin above the truth: \(estimate)")
    }

    @Test func beforeLearningTheMarginIsWide() {
        let estimator = TokenEstimator()
        #expect(estimator.estimate(characters: 400) == 126)
    }
}
