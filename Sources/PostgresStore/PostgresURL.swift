import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL queue's address as users give it (`--db`, `GROQBATCH_DB`, the config file's `db`):
/// `postgres://user:password@host:5432/dbname?sslmode=require`, in libpq's form, so the same URL works
/// with `psql`. Its `description` never holds the password: it is what logs, errors and `config show` print.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode`, as far as a client without client certificates can follow it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS always, without checking the certificate (libpq's meaning of `require`).
        case require
        /// TLS always, the certificate checked against the system's roots.
        case verifyCA = "verify-ca"
        /// TLS always, the certificate checked and its name matched to the host.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Why a `postgres://` URL cannot be used: says what is wrong, never the password.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Whether a `--db` value names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(_ text: String) throws(Problem) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw Problem(description: "not a PostgreSQL URL: expected postgres://user:password@host:5432/dbname")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Problem(description: "\(Self.redacting(text)): no host (postgres://user:password@HOST:5432/dbname)")
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw Problem(description: "\(Self.redacting(text)): no user name (postgres://USER:password@host:5432/dbname)")
        }
        let database = String(components.path.drop(while: { $0 == "/" })).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else {
            throw Problem(description: "\(Self.redacting(text)): no database name (postgres://user:password@host:5432/DBNAME)")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw Problem(
                        description: "\(Self.redacting(text)): sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "application_name", "connect_timeout":
                continue
            default:
                throw Problem(description: "\(Self.redacting(text)): unknown parameter '\(item.name)' (sslmode is the one groqbatch reads)")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.database = database
        self.tls = tls
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        var text = "postgres://\(username)"
        if password != nil { text += ":***" }
        text += "@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        if tls != .prefer { text += "?sslmode=\(tls.rawValue)" }
        return text
    }

    /// Any text with the password of a PostgreSQL URL in it replaced by `***`: for printing what a user
    /// typed that could not be read as a URL.
    public static func redacting(_ text: String) -> String {
        text.replacing(#/(postgres(?:ql)?://[^:@/\s]*):[^@\s]*@/#) { "\($0.output.1):***@" }
    }

    /// The client configuration: TCP to the host, TLS as `sslmode` says.
    public func configuration() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (self.tls, tlsConfiguration) {
            case (.disable, _), (_, nil): .disable
            case (.prefer, let configuration?): .prefer(configuration)
            case (_, let configuration?): .require(configuration)
            }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The configuration of a single connection outside the pool (what a worker's exit uses).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch (self.tls, tlsConfiguration) {
            case (.disable, _), (_, nil): .disable
            case (.prefer, let configuration?): .prefer(try NIOSSLContext(configuration: configuration))
            case (_, let configuration?): .require(try NIOSSLContext(configuration: configuration))
            }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// What `sslmode` asks of TLS: nil for none; `prefer` and `require` do not check the certificate
    /// (libpq's meaning), `verify-ca` checks it against the system's roots, `verify-full` its name too.
    private var tlsConfiguration: TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: break
        }
        return configuration
    }
}
