import Foundation

/// Everything the simulator does: its models and limits, its speed, its faults and its log.
public struct SimulatorConfiguration: Sendable, Codable, Equatable {
    /// The bearer key clients must send. The default is `sim-key`.
    public var apiKey: String
    public var models: [SimulatedModel]
    /// How limits are enforced. The default is rolling windows.
    public var enforcement: LimitEnforcement
    /// Multiplies every simulated delay: 1 is real time, 0 answers at once. The default is 1.
    public var speedFactor: Double
    /// Seconds a request waits in Groq's queue before generation starts. The default is 0.05.
    public var queueDelay: Double
    public var faults: FaultRates
    /// The seed of the fault draws. The default is 42.
    public var seed: UInt64
    /// How long a hung request stays silent. The default is 600 seconds.
    public var hangSeconds: Double
    /// Where to append one JSON line per request. The default is none.
    public var requestLog: String?
    /// The Batch API's pace, window length and faults.
    public var batches: BatchSettings
    /// How many times the on-demand limits the `flex` service tier allows. The default is 10.
    public var flexLimitMultiplier: Int = 10
    /// The chance that a `flex` request is refused with 498 `capacity_exceeded`. The default is 0.
    public var flexBusyRate: Double = 0

    public init(
        apiKey: String = "sim-key", models: [SimulatedModel] = SimulatorConfiguration.defaultModels,
        enforcement: LimitEnforcement = .rollingWindow, speedFactor: Double = 1, queueDelay: Double = 0.05,
        faults: FaultRates = FaultRates(), seed: UInt64 = 42, hangSeconds: Double = 600, requestLog: String? = nil,
        batches: BatchSettings = BatchSettings()
    ) {
        self.batches = batches
        self.apiKey = apiKey
        self.models = models
        self.enforcement = enforcement
        self.speedFactor = speedFactor
        self.queueDelay = queueDelay
        self.faults = faults
        self.seed = seed
        self.hangSeconds = hangSeconds
        self.requestLog = requestLog
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case models, enforcement, faults, seed, batches
        case flexLimitMultiplier = "flex_limit_multiplier"
        case flexBusyRate = "flex_busy_rate"
        case apiKey = "api_key"
        case speedFactor = "speed_factor"
        case queueDelay = "queue_delay"
        case hangSeconds = "hang_seconds"
        case requestLog = "request_log"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try ConfigurationKeys.rejectUnknown(in: decoder, known: CodingKeys.self)
        let defaults = SimulatorConfiguration()
        self.init(
            apiKey: try c.decodeIfPresent(String.self, forKey: .apiKey) ?? defaults.apiKey,
            models: try c.decodeIfPresent([SimulatedModel].self, forKey: .models) ?? defaults.models,
            enforcement: try c.decodeIfPresent(LimitEnforcement.self, forKey: .enforcement) ?? defaults.enforcement,
            speedFactor: try c.decodeIfPresent(Double.self, forKey: .speedFactor) ?? defaults.speedFactor,
            queueDelay: try c.decodeIfPresent(Double.self, forKey: .queueDelay) ?? defaults.queueDelay,
            faults: try c.decodeIfPresent(FaultRates.self, forKey: .faults) ?? defaults.faults,
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed,
            hangSeconds: try c.decodeIfPresent(Double.self, forKey: .hangSeconds) ?? defaults.hangSeconds,
            requestLog: try c.decodeIfPresent(String.self, forKey: .requestLog),
            batches: try c.decodeIfPresent(BatchSettings.self, forKey: .batches) ?? defaults.batches)
        flexLimitMultiplier = try c.decodeIfPresent(Int.self, forKey: .flexLimitMultiplier) ?? defaults.flexLimitMultiplier
        flexBusyRate = try c.decodeIfPresent(Double.self, forKey: .flexBusyRate) ?? defaults.flexBusyRate
    }

    /// Reads a configuration file; errors name the file and the key.
    public static func load(path: String) throws -> SimulatorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot read the file")
        }
        do {
            return try JSONDecoder().decode(SimulatorConfiguration.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw LoadError(description: "\(path): \(Self.path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw LoadError(description: "\(path): \(Self.path(context.codingPath + [key])): missing")
        } catch let DecodingError.typeMismatch(type, context) {
            throw LoadError(description: "\(path): \(Self.path(context.codingPath)): expected \(type)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw LoadError(description: "\(path): \(Self.path(context.codingPath)): must not be null")
        } catch {
            throw LoadError(description: "\(path): \(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.isEmpty ? "file" : String(text.drop { $0 == "." })
    }

    /// Why a configuration file cannot be used.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Models as Groq listed them in late 2026, with free-tier-like limits, plus two retired ids.
    public static let defaultModels: [SimulatedModel] = [
        SimulatedModel(
            id: "openai/gpt-oss-120b", ownedBy: "OpenAI", contextWindow: 131_072, maxOutput: 65_536,
            rpm: 30, rpd: 1_000, tpm: 8_000, tpd: 200_000, tokensPerSecond: 500),
        SimulatedModel(
            id: "openai/gpt-oss-20b", ownedBy: "OpenAI", contextWindow: 131_072, maxOutput: 65_536,
            rpm: 30, rpd: 1_000, tpm: 8_000, tpd: 200_000, tokensPerSecond: 1_000),
        SimulatedModel(
            id: "qwen/qwen3.6-27b", ownedBy: "Alibaba Cloud", contextWindow: 32_768, maxOutput: 16_384,
            rpm: 60, rpd: 1_000, tpm: 6_000, tpd: 500_000, tokensPerSecond: 400),
        SimulatedModel(
            id: "llama-3.3-70b-versatile", ownedBy: "Meta", contextWindow: 131_072, maxOutput: 32_768,
            decommissioned: true),
        SimulatedModel(id: "llama2-70b-4096", ownedBy: "Meta", contextWindow: 4_096, maxOutput: 4_096, decommissioned: true),
    ]
}
