/// Where a batch's jobs take answers from instead of calling (`import --reuse`, `--no-reuse`;
/// `batches.reuse`). Only deterministic requests (`temperature` 0 or a `seed`) are ever reused.
public enum ReuseScope: String, Sendable, CaseIterable {
    /// Identical requests within the batch are sent once; the others get that answer. The default.
    case batch
    /// Also answers of earlier batches, up to the batch's maximum age.
    case all
    /// Every job is sent.
    case off

    /// How old an earlier batch's answer may be for `all`, unless the import says: seven days.
    public static let defaultMaxAge: Double = 7 * 24 * 3600
}
