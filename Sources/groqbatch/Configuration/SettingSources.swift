import Configuration
import Synchronization

/// Remembers which provider answered each key read, so `config show` can say where a value came from.
final class SettingSources: AccessReporter, Sendable {
    private let answered = Mutex<[String: String]>([:])

    func report(_ event: AccessEvent) {
        let key = event.metadata.key.components.joined(separator: ".")
        let provider = event.providerResults.first { result in
            if case .success(let lookup) = result.result { return lookup.value != nil }
            return false
        }?.providerName
        answered.withLock { $0[key] = provider }
    }

    /// The provider that gave the key's value, or nil when the built-in default applied.
    func source(of key: SettingKey) -> String? {
        answered.withLock { $0[key.rawValue] ?? nil }
    }
}
