import Foundation

/// Where a job goes after a failed call that moves it: the one chain rule that on-demand outcomes (the
/// worker's `OutcomePlanner`) and the Batch API's answers and refusals (`recordRemoteAnswers`,
/// `refuseRemote`) follow, so a job meets the same fate whichever way it was sent.
public enum ChainStep: Sendable, Equatable {
    /// Another try on the same model; `modelAttempts` counts this one.
    case again(modelAttempts: Int)
    /// The model at this index of the chain, its tries counted from zero.
    case model(index: Int)
    /// No model left: the job fails with the call's error.
    case fail

    /// What a failed call says about the job: GroqClient's `ErrorClassifier` classes that move a job.
    public enum Kind: String, Sendable, Equatable {
        /// Worth another try on the same model (a try counted); the next model once its tries are spent.
        case retry
        /// This model cannot serve the request: the next model at once.
        case fallback
        /// The request itself is wrong: no model would help.
        case permanent
    }

    /// The step after a call of `kind` for a job on model `modelIndex` of a chain of `chainLength`, with
    /// `modelAttempts` of `maxAttempts` tries used before this call.
    public static func after(_ kind: Kind, modelAttempts: Int, maxAttempts: Int, modelIndex: Int, chainLength: Int) -> ChainStep {
        switch kind {
        case .permanent:
            return .fail
        case .retry where modelAttempts + 1 < maxAttempts:
            return .again(modelAttempts: modelAttempts + 1)
        case .retry, .fallback:
            return modelIndex + 1 < chainLength ? .model(index: modelIndex + 1) : .fail
        }
    }
}
