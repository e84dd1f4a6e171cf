/// A job's place in its life: queued → running → succeeded | failed, or cancelled on the way, or
/// expired when its batch's deadline passes before it finished.
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    case queued
    case running
    case succeeded
    case failed
    case cancelled
    case expired
}
