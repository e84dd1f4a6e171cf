import Foundation

/// Where the package's own files and its built binary are, for tests that read them or run the CLI.
public enum PackagePaths {
    /// The package's root folder (the one holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The `groqbatch` binary the tests run: $GROQBATCH_BIN, or the debug build `make test` made.
    public static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["GROQBATCH_BIN"] { return path }
        return root.appendingPathComponent(".build/debug/groqbatch").path
    }()

    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}

extension PackagePaths {
    /// The numbers of the files in migrations/, in order: what a fully migrated file has applied.
    public static var migrationNumbers: [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path("migrations"))) ?? []
        return names.filter { $0.hasSuffix(".sql") }.compactMap { Int($0.prefix(4)) }.sorted()
    }
}
