import JobFormats
import Testing

/// What a person most likely meant by a name that is not known.
struct ClosestMatchTests {
    static let commands = ["init", "import", "work", "status", "stats", "export", "cancel", "retry", "plan", "limits", "serve", "help"]

    @Test(arguments: [
        ("stauts", "status"), ("statsu", "status"), ("stat", "stats"), ("improt", "import"), ("wrok", "work"),
        ("exprot", "export"), ("plna", "plan"), ("retyr", "retry"), ("satus", "status"),
    ])
    func aTypoOfACommandFindsIt(_ typo: String, _ meant: String) {
        #expect(ClosestMatch.closest(to: typo, among: Self.commands) == meant)
    }

    @Test func namesTooFarFromAnyFindNothing() {
        #expect(ClosestMatch.closest(to: "deploy", among: Self.commands) == nil)
        #expect(ClosestMatch.closest(to: "x", among: Self.commands) == nil)
    }

    @Test func aSwapOfTwoNeighboursCostsOneAndOtherEditsAsLevenshteinSays() {
        #expect(ClosestMatch.editDistance(Array("stauts"), Array("status")) == 1)
        #expect(ClosestMatch.editDistance(Array("ab"), Array("ba")) == 1)
        #expect(ClosestMatch.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(ClosestMatch.editDistance(Array(""), Array("abc")) == 3)
        #expect(ClosestMatch.editDistance(Array("flaw"), Array("lawn")) == 2)
    }
}
