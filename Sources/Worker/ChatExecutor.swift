import GroqClient

/// Whatever runs one on-demand chat completion for the worker: the request body as the job stores it
/// (the model already set), and the provider's answer or a classified failure, with the rate-limit
/// headers either way. `GroqClient` is the implementation (the flex tier is a field of the body, not
/// another executor); tests pass their own. Remote batches go through `BatchAPI` instead.
public protocol ChatExecutor: Sendable {
    func execute(requestJSON: String, model: String) async -> Result<ChatSuccess, ChatFailure>
}

extension GroqClient: ChatExecutor {
    public func execute(requestJSON: String, model: String) async -> Result<ChatSuccess, ChatFailure> {
        await chat(requestJSON: requestJSON, model: model)
    }
}
