/// How the simulated Batch API behaves: how fast it works through input files, how long a completion
/// window lasts in real time, and how often its endpoints fail.
public struct BatchSettings: Sendable, Codable, Equatable {
    /// Input lines finished per second once a batch is in progress. The default is 2,000.
    public var linesPerSecond: Double
    /// Real seconds one hour of a completion window lasts: 3600 is real time, 0.01 makes `24h` last
    /// under a second, for tests of expiry. The default is 3600.
    public var secondsPerWindowHour: Double
    /// Seconds a new batch stays `validating`. The default is 0.2.
    public var validationSeconds: Double
    /// Seconds a batch stays `finalizing` before its output file exists. The default is 0.2.
    public var finalizingSeconds: Double
    /// The chance that a call to `/files` or `/batches` answers 500. The default is 0.
    public var faultRate: Double
    /// The chance that a line the batch ran comes back as the provider's hiccup instead of an answer:
    /// a 500 in the line's response, or a `request_timeout` error, as Groq's output files carry them.
    /// The default is 0.
    public var lineFaultRate: Double
    /// Most objects one page of `GET /files` or `GET /batches` holds, whatever `limit` asks. The
    /// default is 100; tests set a few, to have many pages.
    public var maxPageSize: Int
    /// Models the Batch API does not serve: a batch with a line naming one validates and then ends
    /// `failed`, its errors saying `model_not_found`. The default is none.
    public var unservedModels: [String]
    /// Models whose batches `POST /batches` refuses with a 400 (`invalid_request_error`). The default is none.
    public var refusedModels: [String]
    /// Whether a finished batch's output and error files are gone when read: their ids are given, their
    /// content answers 404. The default is false.
    public var loseOutputFiles: Bool

    public init(
        linesPerSecond: Double = 2_000, secondsPerWindowHour: Double = 3_600, validationSeconds: Double = 0.2,
        finalizingSeconds: Double = 0.2, faultRate: Double = 0, lineFaultRate: Double = 0, maxPageSize: Int = 100,
        unservedModels: [String] = [], refusedModels: [String] = [], loseOutputFiles: Bool = false
    ) {
        self.unservedModels = unservedModels
        self.refusedModels = refusedModels
        self.loseOutputFiles = loseOutputFiles
        self.lineFaultRate = lineFaultRate
        self.maxPageSize = maxPageSize
        self.linesPerSecond = linesPerSecond
        self.secondsPerWindowHour = secondsPerWindowHour
        self.validationSeconds = validationSeconds
        self.finalizingSeconds = finalizingSeconds
        self.faultRate = faultRate
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case linesPerSecond = "lines_per_second"
        case secondsPerWindowHour = "seconds_per_window_hour"
        case validationSeconds = "validation_seconds"
        case finalizingSeconds = "finalizing_seconds"
        case faultRate = "fault_rate"
        case lineFaultRate = "line_fault_rate"
        case maxPageSize = "max_page_size"
        case unservedModels = "unserved_models"
        case refusedModels = "refused_models"
        case loseOutputFiles = "lose_output_files"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try ConfigurationKeys.rejectUnknown(in: decoder, known: CodingKeys.self)
        let defaults = BatchSettings()
        self.init(
            linesPerSecond: try c.decodeIfPresent(Double.self, forKey: .linesPerSecond) ?? defaults.linesPerSecond,
            secondsPerWindowHour: try c.decodeIfPresent(Double.self, forKey: .secondsPerWindowHour) ?? defaults.secondsPerWindowHour,
            validationSeconds: try c.decodeIfPresent(Double.self, forKey: .validationSeconds) ?? defaults.validationSeconds,
            finalizingSeconds: try c.decodeIfPresent(Double.self, forKey: .finalizingSeconds) ?? defaults.finalizingSeconds,
            faultRate: try c.decodeIfPresent(Double.self, forKey: .faultRate) ?? defaults.faultRate,
            lineFaultRate: try c.decodeIfPresent(Double.self, forKey: .lineFaultRate) ?? defaults.lineFaultRate,
            maxPageSize: max(1, try c.decodeIfPresent(Int.self, forKey: .maxPageSize) ?? defaults.maxPageSize),
            unservedModels: try c.decodeIfPresent([String].self, forKey: .unservedModels) ?? defaults.unservedModels,
            refusedModels: try c.decodeIfPresent([String].self, forKey: .refusedModels) ?? defaults.refusedModels,
            loseOutputFiles: try c.decodeIfPresent(Bool.self, forKey: .loseOutputFiles) ?? defaults.loseOutputFiles)
    }
}
