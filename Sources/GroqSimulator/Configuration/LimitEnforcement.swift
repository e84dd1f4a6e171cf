/// How the simulator enforces a limit. Providers differ, and the scheduler must be right under both.
public enum LimitEnforcement: String, Sendable, Codable, CaseIterable {
    /// What was spent in the last period (a minute or a day) may not exceed the limit.
    case rollingWindow = "rolling"
    /// A bucket holding the limit refills continuously at limit/period; a request takes its cost out.
    case refillingBucket = "bucket"
}
