import Foundation
import PostgresStore
import TestSupport
import Testing

/// A `postgres://` queue that cannot be used is said at once, in PostgreSQL's (or the socket's) words:
/// the connection pool alone retried for about a minute and then named only its circuit breaker.
@Suite(.enabled(if: PostgresTestServer.enabled))
struct PostgresUnreachableTests {
    /// Runs `status` on `url`; returns what it printed, after checking it failed with one line in time.
    func refused(_ url: String) async throws -> String {
        let started = Date()
        let run = try await CommandRun.groqbatchAwaiting(["status", "--db", url], environment: ["GROQBATCH_DB": "", "GROQBATCH_CONFIG": ""])
        let seconds = Date().timeIntervalSince(started)
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
        // The first connection gives up after 5 s; the pool alone took about 67 s. The bound leaves a
        // loaded machine room to start the process, not room for the pool's retries.
        #expect(seconds < 30, "\(seconds) s")
        return run.stderr
    }

    @Test func aWrongPasswordAMissingDatabaseAndNothingListeningAreSaidAtOnce() async throws {
        let admin = try PostgresTestServer.adminURL
        var wrong = admin
        wrong.password = "not-the-password"
        let password = try await refused(PostgresTestServer.connectionString(wrong))
        #expect(password.contains("password authentication failed for user \"\(admin.username)\""), "\(password)")
        #expect(!password.contains("not-the-password") && !password.contains(admin.password ?? "-"), "no password is printed")

        var missing = admin
        missing.database = "no_such_queue"
        let database = try await refused(PostgresTestServer.connectionString(missing))
        #expect(database.contains("database \"no_such_queue\" does not exist"), "\(database)")

        // A port nothing listens on: the one a listener just gave back.
        var closed = admin
        closed.port = try Self.freePort()
        let nothing = try await refused(PostgresTestServer.connectionString(closed))
        #expect(nothing.contains("connection refused"), "\(nothing)")
    }

    /// A loopback port that was free a moment ago.
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(socket, raw, length) == 0, getsockname(socket, raw, &length) == 0 else { throw POSIXError(.EADDRINUSE) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
