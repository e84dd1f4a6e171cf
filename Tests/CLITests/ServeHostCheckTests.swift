import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `groqbatch serve` answers only requests addressed to it (DNS rebinding: a page of another site whose
/// name resolves to 127.0.0.1 sends its own name as `Host`) and refuses actions posted from another
/// site. Requests are written by hand on a socket, so `Host`, `Origin` and `Sec-Fetch-Site` are exactly
/// what a browser under attack would send.
@Suite(.serialized)
struct ServeHostCheckTests {
    let directory = TemporaryDirectory("serve-hosts")
    var db: String { directory.path("q.sqlite") }

    /// A batch of two queued jobs, then `serve` on a free loopback port; returns the server and its port.
    func serve(_ extra: [String]) async throws -> (BackgroundProcess, Int) {
        let later = directory.write("later.jsonl", #"{"custom_id": "l1", "prompt": "Later"}"# + "\n" + #"{"custom_id": "l2", "prompt": "Later"}"# + "\n")
        #expect(try await CommandRun.groqbatchAwaiting(["import", later, "--db", db, "--model", "sim/fast"]).status == 0)
        let server = try BackgroundProcess(
            groqbatch: ["serve", "--db", db, "--listen", "127.0.0.1:0", "--allow-actions"] + extra, logPath: directory.path("serve.log"))
        for _ in 0..<400 {
            if let match = server.output.firstMatch(of: #/listening on http://127\.0\.0\.1:(\d+)/#), let port = Int(match.output.1) { return (server, port) }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.signal(SIGTERM)
        throw CancellationError()
    }

    /// One HTTP/1.1 exchange with the header lines given as they are; returns the status and the body.
    static func exchange(port: Int, _ method: String, _ path: String, headers: [String], body: String = "") throws -> (Int, String) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0, "cannot connect to port \(port)")
        var lines = ["\(method) \(path) HTTP/1.1"] + headers + ["Connection: close"]
        if method == "POST" { lines += ["Content-Type: application/x-www-form-urlencoded", "Content-Length: \(body.utf8.count)"] }
        let request = Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
        try #require(request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) } == request.count)
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer += buffer[..<count]
        }
        let text = String(decoding: answer, as: UTF8.self)
        let status = try #require(text.firstMatch(of: #/^HTTP/1\.1 (\d{3})/#).flatMap { Int($0.output.1) }, "no status line: \(text)")
        return (status, text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
    }

    func cancelled() throws -> String {
        try SQLiteShell.run([db, "SELECT COUNT(*) FROM jobs WHERE status = 'cancelled'"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aForeignHostIsMisdirectedAndNeitherDataNorTheFormTokenLeaks() async throws {
        let (server, port) = try await serve([])
        defer { server.signal(SIGTERM) }
        for host in ["attacker.example", "attacker.example:\(port)", "127.0.0.1:\(port + 1 == 65536 ? 1 : port + 1)", "127.0.0.1"] {
            for path in ["/api/v1/jobs", "/batches/later", "/"] {
                let (status, body) = try Self.exchange(port: port, "GET", path, headers: ["Host: \(host)"])
                #expect(status == 421, "Host \(host) \(path): \(status)")
                #expect(body.contains("does not answer to Host") && !body.contains("csrf") && !body.contains("l1"), "\(body)")
            }
        }
        #expect(try Self.exchange(port: port, "GET", "/api/v1/jobs", headers: []).0 == 421, "no Host at all")
        // The names it listens as still answer.
        for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST:\(port)", "[::1]:\(port)"] {
            let (status, body) = try Self.exchange(port: port, "GET", "/api/v1/jobs", headers: ["Host: \(host)"])
            #expect(status == 200 && body.contains("l1"), "Host \(host): \(status) \(body)")
        }
    }

    @Test func actionsPostedFromAnotherSiteAreRefused() async throws {
        let (server, port) = try await serve([])
        defer { server.signal(SIGTERM) }
        let host = "Host: 127.0.0.1:\(port)"
        let page = try Self.exchange(port: port, "GET", "/batches/later", headers: [host]).1
        let csrf = try #require(page.firstMatch(of: #/name="csrf" value="([a-z0-9]+)"/#).map { String($0.output.1) })
        for foreign in ["Origin: http://attacker.example", "Origin: http://attacker.example:\(port)", "Origin: null", "Sec-Fetch-Site: cross-site"] {
            let (status, body) = try Self.exchange(port: port, "POST", "/batches/later/cancel", headers: [host, foreign], body: "csrf=\(csrf)")
            #expect(status == 403 && body.contains("another site"), "\(foreign): \(status) \(body)")
        }
        #expect(try cancelled() == "0")
        let (status, _) = try Self.exchange(
            port: port, "POST", "/batches/later/cancel", headers: [host, "Origin: http://127.0.0.1:\(port)", "Sec-Fetch-Site: same-origin"],
            body: "csrf=\(csrf)")
        #expect(status == 303, "the dashboard's own form still acts")
        #expect(try cancelled() == "2")
    }

    @Test func aPublicHostIsAnsweredByNameAndAsAnOrigin() async throws {
        let (server, port) = try await serve(["--public-host", "queue.example.com", "--public-host", "other.example:8443"])
        defer { server.signal(SIGTERM) }
        for host in ["queue.example.com", "queue.example.com:443", "QUEUE.example.com:8080", "other.example:8443"] {
            #expect(try Self.exchange(port: port, "GET", "/api/v1/jobs", headers: ["Host: \(host)"]).0 == 200, "\(host)")
        }
        for host in ["other.example:9000", "other.example", "evil.queue.example.com", "queue.example.com.attacker.example", "attacker.example"] {
            #expect(try Self.exchange(port: port, "GET", "/api/v1/jobs", headers: ["Host: \(host)"]).0 == 421, "\(host)")
        }
        let page = try Self.exchange(port: port, "GET", "/batches/later", headers: ["Host: queue.example.com"]).1
        let csrf = try #require(page.firstMatch(of: #/name="csrf" value="([a-z0-9]+)"/#).map { String($0.output.1) })
        let posted = try Self.exchange(
            port: port, "POST", "/batches/later/cancel", headers: ["Host: queue.example.com", "Origin: https://queue.example.com"], body: "csrf=\(csrf)")
        #expect(posted.0 == 303, "\(posted)")
        let refused = try await CommandRun.groqbatchAwaiting(["serve", "--db", db, "--listen", "127.0.0.1:0", "--public-host", "a/b"])
        #expect(refused.status != 0 && refused.stderr.contains("--public-host"), "\(refused.stderr)")
    }
}
