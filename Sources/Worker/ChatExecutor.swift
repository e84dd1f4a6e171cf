import GroqClient

/// Whatever runs one chat completion for the worker. On-demand calls through `GroqClient` are the first
/// executor; the provider's Batch API and the flex tier can be others.
public protocol ChatExecutor: Sendable {
    func execute(requestJSON: String, model: String) async -> Result<ChatSuccess, ChatFailure>
}

extension GroqClient: ChatExecutor {
    public func execute(requestJSON: String, model: String) async -> Result<ChatSuccess, ChatFailure> {
        await chat(requestJSON: requestJSON, model: model)
    }
}
