import JobFormats
import Testing

struct PromptFitterTests {
    static let conversation =
        #"{"max_tokens":8,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"first question, long ago"},{"role":"assistant","content":"first answer, long ago"},{"role":"user","content":"second question"},{"role":"assistant","content":"second answer"},{"role":"user","content":"the newest question"}],"seed":3}"#

    @Test func keepsTheSystemMessageAndTheNewestTurnsThatFit() throws {
        let fitted = try PromptFitter.fit(Self.conversation, maxCharacters: 50)
        #expect(
            fitted.body
                == #"{"max_tokens":8,"messages":[{"content":"Be brief.","role":"system"},{"content":"second answer","role":"assistant"},{"content":"the newest question","role":"user"}],"seed":3}"#
        )
        #expect(fitted.droppedMessages == 3 && !fitted.cutNewest)
        #expect(fitted.characters <= 50)
    }

    @Test func framingPerMessageCountsAgainstTheBudget() throws {
        let fitted = try PromptFitter.fit(Self.conversation, maxCharacters: 60, perMessage: 10)
        #expect(fitted.droppedMessages == 4, "system (19) and the newest turn (29) fit in 60; the next (23) does not")
    }

    @Test func aNewestTurnTooLongAloneIsCutKeepingItsBeginning() throws {
        let body = #"{"messages":[{"role":"system","content":"Sys"},{"role":"user","content":"Summarise: \#(String(repeating: "x", count: 500))"}]}"#
        let fitted = try PromptFitter.fit(body, maxCharacters: 100)
        #expect(fitted.cutNewest && fitted.droppedMessages == 0)
        #expect(fitted.characters <= 100)
        #expect(fitted.body.contains(#""content":"Summarise: xxx"#) && fitted.body.contains("[truncated]"))
        #expect(fitted.body.contains(#"{"content":"Sys","role":"system"}"#))
    }

    @Test func aSystemMessageBeyondTheBudgetIsAClearError() {
        #expect(throws: PromptFitter.FitError.self) {
            try PromptFitter.fit(
                #"{"messages":[{"role":"system","content":"\#(String(repeating: "s", count: 200))"},{"role":"user","content":"hi"}]}"#, maxCharacters: 100)
        }
    }

    @Test func aToolCallAndItsResultsAreKeptOrLeftOutTogether() throws {
        let body =
            #"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"look it up, please"},"#
            + #"{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"find","arguments":"{\"q\":\"ab\"}"}}]},"#
            + #"{"role":"tool","tool_call_id":"c1","content":"result one"},{"role":"assistant","content":"done"},{"role":"user","content":"thanks, next"}]}"#
        // Room for the last two turns and the tool's result, but not for its call as well.
        let fitted = try PromptFitter.fit(body, maxCharacters: 1 + 4 + 12 + 10 + 5)
        let kept = try #require(try JSONValue.decode(Array(fitted.body.utf8))["messages"]?.arrayValue)
        #expect(kept.map { $0["role"]?.stringValue ?? "" } == ["system", "assistant", "user"], "\(fitted.body)")
        #expect(!fitted.body.contains("tool_call_id"), "no tool result without the call that asked for it")
        // With room for both, both stay.
        let roomy = try PromptFitter.fit(body, maxCharacters: 1 + 4 + 12 + 10 + 10 + 5)
        #expect(roomy.body.contains("tool_call_id") && roomy.body.contains("tool_calls"), "\(roomy.body)")
    }

    /// Characters as import counts them: the unit the budget is given in.
    func importCharacters(_ body: String) throws -> Int {
        try #require(try ImportLineParser(file: "f").parse(Array(body.utf8), line: 1)).promptCharacters
    }

    @Test func combiningMarksCountAsTheScalarsImportCounts() throws {
        // 100 letters with an accent: 100 graphemes, 200 Unicode scalars (what import and the estimator count).
        let accented = String(repeating: "e\u{301}", count: 100)
        let body = #"{"messages":[{"role":"system","content":"Sys"},{"role":"user","content":"\#(accented)"}]}"#
        #expect(try importCharacters(body) == 203)
        let fitted = try PromptFitter.fit(body, maxCharacters: 150)
        #expect(fitted.cutNewest, "203 characters do not fit in 150")
        #expect(try importCharacters(fitted.body) <= 150, "\(fitted.body)")
        #expect(fitted.characters == (try importCharacters(fitted.body)))
        #expect(fitted.promptCharacters == fitted.characters)
    }

    @Test func anEmojiSequenceIsCountedInScalarsAndNeverCutInHalf() throws {
        // A family emoji is one grapheme of seven scalars (four people joined by three ZWJs).
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}"
        let text = String(repeating: family, count: 30)
        let body = #"{"messages":[{"role":"user","content":"\#(text)"}]}"#
        let fitted = try PromptFitter.fit(body, maxCharacters: 100)
        #expect(fitted.cutNewest)
        #expect(try importCharacters(fitted.body) <= 100)
        let content = try #require(try JSONValue.decode(Array(fitted.body.utf8))["messages"]?.arrayValue?.first?["content"]?.stringValue)
        let kept = String(content.dropLast(" [truncated]".count))
        #expect(content.hasSuffix(" [truncated]"))
        #expect(kept.unicodeScalars.count % 7 == 0 && !kept.isEmpty, "whole families only: \(kept.unicodeScalars.count) scalars")
        #expect(kept.unicodeScalars.count + " [truncated]".count > 100 - 7, "as many whole families as fit")
    }

    @Test func toolCallArgumentsCountForTheBudgetButNotAsPromptCharacters() throws {
        let body =
            #"{"messages":[{"role":"user","content":"look it up"},"#
            + #"{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"find","arguments":"{\"q\":\"ab\"}"}}]},"#
            + #"{"role":"tool","tool_call_id":"c1","content":"result one"},{"role":"user","content":"and the newest question"}]}"#
        let fitted = try PromptFitter.fit(body, maxCharacters: 23 + 10 + 10)
        #expect(fitted.droppedMessages == 1, "\(fitted.body)")
        #expect(fitted.characters == 23 + 10 + 10, "the call's arguments take room in the context window")
        #expect(fitted.promptCharacters == (try importCharacters(fitted.body)), "the estimator's unit is import's")
    }
}
