// The fault draws: one per request for transport and server faults, one more for a best-effort
// structured answer.
extension SimulatorState {
    /// `json_validate_failed`, `invalid_json` or (for schemas) `schema_violation`, by their rates; nil mostly.
    func drawStructuredFault(schema: Bool) -> String? {
        let draw = Double(random.next() >> 11) / Double(1 << 53)
        let faults = configuration.faults
        var cumulative = faults.jsonValidateFailed
        if draw < cumulative { return "json_validate_failed" }
        cumulative += faults.invalidJSON
        if draw < cumulative { return "invalid_json" }
        cumulative += schema ? faults.schemaViolation : 0
        return draw < cumulative ? "schema_violation" : nil
    }

    func drawFault() -> Fault? {
        let draw = Double(random.next() >> 11) / Double(1 << 53)
        var cumulative = 0.0
        for (fault, rate) in configuration.faults.ordered where rate > 0 {
            cumulative += rate
            if draw < cumulative { return fault }
        }
        return nil
    }
}
