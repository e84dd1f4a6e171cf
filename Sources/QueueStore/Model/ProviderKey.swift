import Foundation

/// A provider as the queue knows it: the API base URL spelled one way, whatever way it was given.
///
/// Meters, budgets, the provider's model list and remote batches are recorded under this key, and a
/// worker drives the remote batches whose key is its own: two spellings of one base URL must not make
/// two providers (a remote batch made under one would wait forever for a worker started with the other).
/// So the scheme and host are lowercased, the scheme's default port (80, 443) is dropped, and so are
/// trailing slashes, user and password (never stored) and a fragment; the path and query are kept as
/// given (a server may tell paths apart by case).
///
/// The loopback names `localhost`, `127.0.0.1` and `[::1]` are one provider, keyed `127.0.0.1` (what the
/// simulator prints): a server on this machine answers to all three. Any other host is a provider of
/// its own, a gateway in front of the provider too: its limits and batches are the gateway's to tell.
public struct ProviderKey: Sendable, Hashable, CustomStringConvertible {
    /// The normalized base URL, as stored.
    public let rawValue: String

    /// The key of a base URL; a string that is not an absolute URL keeps its spelling, without trailing slashes.
    public init(_ baseURL: String) {
        rawValue = Self.normalize(baseURL.trimmingCharacters(in: .whitespaces))
    }

    public var description: String { rawValue }

    /// Whether `other`, a key as some record holds it (perhaps spelled before keys were normalized),
    /// names this provider.
    public func names(_ other: String) -> Bool { ProviderKey(other) == self }

    private static let loopback: Set<String> = ["localhost", "127.0.0.1", "::1", "[::1]"]
    private static let defaultPorts = ["http": 80, "https": 443]

    private static func normalize(_ url: String) -> String {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), let rawHost = parts.host, !rawHost.isEmpty
        else { return trimmingSlashes(url) }
        var host = rawHost.lowercased()
        if loopback.contains(host) { host = "127.0.0.1" }
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        var key = "\(scheme)://\(host)"
        if let port = parts.port, port != defaultPorts[scheme] { key += ":\(port)" }
        key += trimmingSlashes(parts.percentEncodedPath)
        if let query = parts.percentEncodedQuery { key += "?\(query)" }
        return key
    }

    private static func trimmingSlashes(_ text: String) -> String {
        var text = Substring(text)
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
