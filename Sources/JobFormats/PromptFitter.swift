/// `--truncate`: shortens a chat body so its messages fit a budget of characters, keeping the system
/// (and developer) messages and the newest turns. When even the newest turn alone is too long, its text
/// is cut, keeping its beginning, where instructions usually are.
///
/// Characters are Unicode scalars, the unit import counts a job's `promptCharacters` in and the token
/// estimator learns per: a letter with combining marks or an emoji sequence is one grapheme but several
/// scalars (and tokens), so counting graphemes would leave such text too long.
public enum PromptFitter {
    /// The shortened body.
    public struct Fitted: Sendable, Equatable {
        /// The chat body as JSON text.
        public var body: String
        /// Older turns left out.
        public var droppedMessages: Int
        /// The newest turn's text was cut too.
        public var cutNewest: Bool
        /// Characters of message content and tool-call arguments now: what the budget counted.
        public var characters: Int
        /// Characters of message content now, counted as import counts a job's `promptCharacters`: what
        /// the token estimator learns from when this body is sent.
        public var promptCharacters: Int
    }

    /// Why a body cannot be fitted.
    public struct FitError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    static let keptRoles: Set<String> = ["system", "developer"]
    static let marker = " [truncated]"

    /// Fits `requestJSON` into `maxCharacters` characters of message content, counting `perMessage` more
    /// for each message kept (the framing a provider adds around every message).
    public static func fit(_ requestJSON: String, maxCharacters: Int, perMessage: Int = 0) throws(FitError) -> Fitted {
        guard let parsed = try? JSONValue.decode(Array(requestJSON.utf8)), var body = parsed.objectValue,
            let messages = body["messages"]?.arrayValue
        else { throw FitError(description: "the body has no messages array to shorten") }
        let kept = messages.indices.filter { keptRoles.contains(messages[$0]["role"]?.stringValue ?? "") }
        let fixed = kept.reduce(0) { $0 + characters(messages[$1]) + perMessage }
        var budget = maxCharacters - fixed
        guard budget > marker.unicodeScalars.count else {
            throw FitError(description: "the system messages alone (\(fixed) characters) exceed what the context window holds (\(maxCharacters))")
        }
        var chosen = Set(kept)
        var cutIndex: Int?
        var cutText = ""
        for unit in units(messages, skipping: chosen).reversed() {
            let size = unit.reduce(0) { $0 + characters(messages[$1]) + perMessage }
            if size <= budget {
                chosen.formUnion(unit)
                budget -= size
                continue
            }
            // The newest turn must survive; older ones that do not fit are left out, with all before them.
            if chosen.count == kept.count, unit.count == 1, let index = unit.first, let text = messages[index]["content"]?.stringValue,
                budget - perMessage > marker.unicodeScalars.count
            {
                cutIndex = index
                cutText = prefix(text, scalars: budget - perMessage - marker.unicodeScalars.count) + marker
                chosen.insert(index)
            }
            break
        }
        var result: [JSONValue] = []
        var total = 0
        var content = 0
        for index in messages.indices where chosen.contains(index) {
            var message = messages[index]
            if index == cutIndex, var object = message.objectValue {
                object["content"] = .string(cutText)
                message = .object(object)
            }
            total += characters(message)
            content += contentCharacters(message)
            result.append(message)
        }
        guard result.contains(where: { !keptRoles.contains($0["role"]?.stringValue ?? "") }) else {
            throw FitError(description: "no turn of the conversation fits the context window")
        }
        body["messages"] = .array(result)
        return Fitted(
            body: JSONValue.object(body).jsonString(), droppedMessages: messages.count - result.count,
            cutNewest: cutIndex != nil, characters: total, promptCharacters: content)
    }

    /// The longest beginning of `text` of at most `scalars` Unicode scalars that ends between graphemes:
    /// a cut inside one would leave half a letter or half an emoji sequence before the marker.
    static func prefix(_ text: String, scalars limit: Int) -> String {
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            used += text.unicodeScalars[index..<next].count
            guard used <= limit else { break }
            end = next
        }
        return String(text[..<end])
    }

    /// The messages to keep or leave out together, oldest first: an assistant message that calls tools
    /// with the tool results that answer it (a provider rejects a result without its call, and a call
    /// without its results), every other message alone.
    static func units(_ messages: [JSONValue], skipping kept: Set<Int>) -> [[Int]] {
        var units: [[Int]] = []
        for index in messages.indices where !kept.contains(index) {
            let role = messages[index]["role"]?.stringValue
            if role == "tool", let last = units.last, let head = last.first,
                messages[head]["role"]?.stringValue == "assistant", messages[head]["tool_calls"] != nil
            {
                units[units.count - 1].append(index)
            } else {
                units.append([index])
            }
        }
        return units
    }

    /// Characters of a message's content (a string, or the text of its parts) and of the arguments of
    /// the tools it calls: all of it takes room in the context window.
    static func characters(_ message: JSONValue) -> Int {
        let calls = message["tool_calls"]?.arrayValue ?? []
        return contentCharacters(message)
            + calls.reduce(0) { $0 + ($1["function"]?["arguments"]?.stringValue.map(ImportLineParser.scalarCount) ?? 0) }
    }

    /// Characters of a message's content, as import counts them.
    static func contentCharacters(_ message: JSONValue) -> Int {
        switch message["content"] {
        case .string(let text)?: ImportLineParser.scalarCount(text)
        case .array(let parts)?: parts.reduce(0) { $0 + ($1["text"]?.stringValue.map(ImportLineParser.scalarCount) ?? 0) }
        default: 0
        }
    }
}
