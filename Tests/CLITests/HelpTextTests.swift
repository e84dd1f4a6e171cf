import ArgumentParser
import Testing

@testable import groqbatch

/// `--help` reads well at 80 columns: ArgumentParser wraps prose, so discussions are paragraphs without
/// hand-made line breaks, and the lines kept as they are (commands, examples) fit on one line.
struct HelpTextTests {
    /// Every command and subcommand, with its path for messages.
    static func commands(_ type: any ParsableCommand.Type = GroqBatch.self, path: String = "groqbatch") -> [(String, any ParsableCommand.Type)] {
        [(path, type)]
            + type.configuration.subcommands.flatMap { sub in
                commands(sub, path: "\(path) \(sub.configuration.commandName ?? "?")")
            }
    }

    @Test func discussionsAreParagraphsAndExamplesFitEightyColumns() {
        let all = Self.commands()
        #expect(all.count > 15)
        for (path, command) in all {
            let lines = command.configuration.discussion.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() {
                if line.hasPrefix(" ") {
                    // An example or a command: kept as it is, so it must fit with ArgumentParser's margin.
                    #expect(line.count <= 78, "\(path) --help: an example line wraps at 80 columns: \(line)")
                } else if index > 0, !line.isEmpty, let previous = lines[index - 1].first, previous != " " {
                    #expect(Bool(false), "\(path) --help: a paragraph broken by hand before '\(line.prefix(40))...'")
                }
            }
        }
    }
}
