/// The service tier a job asks Groq for (`import --service-tier`, a line's `service_tier`).
public enum ServiceTier: String, Sendable, CaseIterable {
    /// About ten times the on-demand limits, on meters of its own; answers 498 when busy.
    case flex
    case onDemand = "on_demand"
    /// Flex when it has room, on demand otherwise: the provider decides.
    case auto

    /// A line's `service_tier`: a tier, or nil for `performance` (the default tier, asked for by
    /// leaving the field out). Unknown names are not tiers.
    public static func fromLine(_ name: String) -> ServiceTier?? {
        if name == "performance" { return .some(nil) }
        return ServiceTier(rawValue: name).map { .some($0) }
    }
}
