import Foundation
import TestSupport
import Testing

@testable import groqbatch

/// The binary carries the dashboard's templates as they are in the source tree.
struct EmbeddedTemplatesTests {
    @Test func theEmbeddedCopyMatchesTheFiles() throws {
        let folder = PackagePaths.path("Sources/groqbatch/Dashboard/Templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == EmbeddedTemplates.files.keys.sorted(), "run `make templates`")
        for name in names {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            // The generator writes each file's text followed by one line break before the closing quotes.
            #expect(EmbeddedTemplates.files[name].map { $0 + "\n" } == text || EmbeddedTemplates.files[name] == text, "\(name): run `make templates`")
        }
        #expect(try DashboardTemplates().pages.count == names.filter { $0.hasSuffix(".mustache") }.count)
    }
}
