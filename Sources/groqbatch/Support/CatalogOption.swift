import Scheduler

/// The model catalog a command uses: the built-in one, or a file given with `--catalog`.
enum CatalogOption {
    static func load(_ settings: Settings) throws -> ModelCatalog {
        try load(settings.string(.catalog))
    }

    static func load(_ path: String?) throws -> ModelCatalog {
        guard let path else { return .groq }
        do { return try ModelCatalog.load(path: path) } catch { throw CommandFailure("\(error)") }
    }
}
