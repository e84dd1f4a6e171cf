import Foundation
import JobFormats
import TestSupport
import Testing

struct LineReaderTests {
    func lines(_ text: String, bufferSize: Int = 8) throws -> [String] {
        let directory = TemporaryDirectory()
        let path = directory.write("f.jsonl", text)
        var seen: [String] = []
        try LineReader(path: path, bufferSize: bufferSize).forEachLine { bytes, number in
            #expect(number == seen.count + 1)
            seen.append(String(decoding: bytes, as: UTF8.self))
        }
        return seen
    }

    @Test func splitsOnNewlinesAndDropsCarriageReturns() throws {
        #expect(try lines("a\r\nbb\n\nccc") == ["a", "bb", "", "ccc"])
        #expect(try lines("a\n") == ["a"])
        #expect(try lines("") == [])
    }

    @Test func linesLongerThanTheBufferArriveWhole() throws {
        let long = String(repeating: "x", count: 1000)
        #expect(try lines("\(long)\nshort\n\(long)", bufferSize: 16) == [long, "short", long])
    }

    @Test func aByteOrderMarkAtTheStartIsSkippedAndOnlyThere() throws {
        #expect(try lines("\u{FEFF}{\"a\":1}\r\nb") == [#"{"a":1}"#, "b"], "as Excel and PowerShell write UTF-8")
        #expect(try lines("\u{FEFF}", bufferSize: 2) == [])
        #expect(try lines("a\n\u{FEFF}b") == ["a", "\u{FEFF}b"], "a mark inside the file is content")
    }

    @Test func aMissingFileSaysSo() {
        #expect(throws: LineReader.OpenError.self) { _ = try LineReader(path: "/nonexistent/x.jsonl") }
    }
}
