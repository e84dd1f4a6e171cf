extension Int {
    /// The count with its noun in the right number: `1 job`, `2 jobs`, `0 jobs`. Irregular nouns give
    /// their plural (`1 retry`, `2 retries`).
    public func counted(_ singular: String, plural: String? = nil) -> String {
        "\(self) \(self == 1 ? singular : plural ?? singular + "s")"
    }
}
