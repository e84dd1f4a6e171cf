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
}
