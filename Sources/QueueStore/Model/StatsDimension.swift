/// How `stats` groups calls.
public enum StatsDimension: String, Sendable, CaseIterable {
    case model, day, batch
}
