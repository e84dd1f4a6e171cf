import Foundation
import Synchronization

/// The names `serve` answers to. A page of another site can point its own name at 127.0.0.1 (DNS
/// rebinding) and then read this server as its own origin, CSRF token included; the `Host` it sends
/// still names that site, so only the names this server listens as are answered: the bound address and
/// port, `localhost`, `127.0.0.1` and `[::1]` on loopback, an address literal on a wildcard bind (a page
/// whose origin is an address is that address), and the names given with `--public-host`.
final class DashboardHosts: Sendable {
    /// Names answered only with the port bound (lowercased; IPv6 addresses in brackets).
    let listenNames: Set<String>
    /// `--public-host` names, each with its port or any port (a proxy in front may use its own).
    let publicHosts: [(name: String, port: Int?)]
    /// On `0.0.0.0` or `::`, any address literal with the bound port.
    let wildcard: Bool
    /// Known once bound (`--listen HOST:0` picks it then).
    let port: Atomic<Int>

    init(listenHost: String, port: Int, publicHosts: [String]) {
        let bound = Self.bracketed(listenHost.lowercased())
        var names: Set<String> = [bound]
        if ServeCommand.isLoopback(listenHost) { names.formUnion(["localhost", "127.0.0.1", "[::1]"]) }
        listenNames = names
        wildcard = listenHost == "0.0.0.0" || listenHost == "::"
        self.publicHosts = publicHosts.compactMap { Self.split($0) }
        self.port = Atomic(port)
    }

    /// Whether `authority` (a `Host` header, `name[:port]`) names this server; no port means 80.
    func accepts(authority: String) -> Bool {
        guard let (name, port) = Self.split(authority) else { return false }
        return accepts(name: name, port: port ?? 80, portGiven: port != nil)
    }

    /// Whether an `Origin` header (`scheme://name[:port]`) is one of this server's own.
    func accepts(origin: String) -> Bool {
        let lowered = origin.lowercased()
        let scheme = ["http://": 80, "https://": 443].first { lowered.hasPrefix($0.key) }
        guard let scheme, let (name, port) = Self.split(String(lowered.dropFirst(scheme.key.count))) else { return false }
        return accepts(name: name, port: port ?? scheme.value, portGiven: port != nil)
    }

    private func accepts(name: String, port: Int, portGiven: Bool) -> Bool {
        let bound = self.port.load(ordering: .relaxed)
        if listenNames.contains(name) && port == bound { return true }
        if wildcard && port == bound && Self.isAddressLiteral(name) { return true }
        // A proxy in front may drop its default port from `Host`; it still names the host given.
        return publicHosts.contains { host in
            guard host.name == name, let wanted = host.port else { return host.name == name }
            return wanted == port || (!portGiven && (wanted == 80 || wanted == 443))
        }
    }

    /// `name[:port]` lowercased, IPv6 kept in brackets; nil when malformed (a path, userinfo, spaces).
    static func split(_ authority: String) -> (name: String, port: Int?)? {
        let text = authority.lowercased()
        guard !text.isEmpty, !text.contains(where: { "/@ \t?#".contains($0) }) else { return nil }
        let name: Substring
        let rest: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            name = text[...close]
            rest = text[text.index(after: close)...]
        } else if let colon = text.firstIndex(of: ":") {
            name = text[..<colon]
            rest = text[colon...]
        } else {
            name = text[...]
            rest = ""
        }
        guard !name.isEmpty else { return nil }
        if rest.isEmpty { return (String(name), nil) }
        let digits = rest.dropFirst()
        guard rest.first == ":", !digits.isEmpty, digits.allSatisfy(\.isASCII), let port = Int(digits), (0...65535).contains(port) else { return nil }
        return (String(name), port)
    }

    /// An IPv4 dotted quad or a bracketed IPv6 address: names no DNS answer can rebind.
    static func isAddressLiteral(_ name: String) -> Bool {
        if name.hasPrefix("[") && name.hasSuffix("]") { return name.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }
    }

    static func bracketed(_ host: String) -> String { host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host }
}
