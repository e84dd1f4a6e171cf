import Foundation
import NIOCore
import NIOPosix
import PostgresNIO

/// A statement PostgreSQL refused, or a connection that failed under it, said in words: the server's
/// message and SQLSTATE and the statement (never the values bound to it, which hold prompts and
/// answers; never the password). PostgresNIO's own error prints a placeholder for the same reason.
public struct PostgresQueryError: Error, CustomStringConvertible {
    /// The driver's error, for telling weather from faults (`PostgresJobStore.isTransient`).
    public let underlying: PSQLError
    let statement: String

    init(_ underlying: PSQLError, statement: String) {
        self.underlying = underlying
        self.statement = statement
    }

    /// The server's SQLSTATE, when the server answered.
    public var sqlState: String? { underlying.serverInfo?[.sqlState] }

    public var description: String {
        let sql = statement.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        let shown = sql.count > 200 ? sql.prefix(200) + "..." : Substring(sql)
        if let info = underlying.serverInfo, let message = info[.message] {
            var text = "PostgreSQL: \(message)"
            if let state = info[.sqlState] { text += " (SQLSTATE \(state))" }
            if let detail = info[.detail] { text += "; \(detail)" }
            return text + " in: \(shown)"
        }
        return "PostgreSQL connection: \(underlying.code)\(underlying.underlying.map { " (\($0))" } ?? "") in: \(shown)"
    }

    /// Any error of the store in words: PostgresNIO's own print a placeholder (they may hold bound
    /// values); this gives the server's message, or what failed on the way to the server.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresQueryError { return error.description }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            return "PostgreSQL: \(message)\(info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")"
        }
        if let underlying = error.underlying { return "cannot reach the server: \(socketReason(underlying))" }
        return "PostgreSQL connection: \(error.code)"
    }
}

extension PostgresQueryError {
    /// Why a connection could not be made, in the socket's words (`connection refused`), not NIO's
    /// nested error values.
    static func socketReason(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty, connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return "the host name \(connection.host) does not resolve"
            }
            if let first = connection.connectionErrors.first { return socketReason(first.error) }
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let channel = error as? ChannelError, case .connectTimeout(let limit) = channel {
            return "no connection within \(limit.nanoseconds / 1_000_000_000) s"
        }
        return "\(error)"
    }
}

/// A statement left unanswered: its connection closed under it, or the server was silent for
/// `seconds`, and the connection was taken for dead.
public struct PostgresNoAnswer: Error, CustomStringConvertible {
    /// nil when the connection closed; else how long the server was silent.
    let seconds: Double?
    let statement: String

    public var description: String {
        let why = seconds.map { "PostgreSQL did not answer in \(Int($0)) s (the connection was closed)" } ?? "the connection to PostgreSQL closed"
        return "\(why) in: \(statement.prefix(120))"
    }
}
