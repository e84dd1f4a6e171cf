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
