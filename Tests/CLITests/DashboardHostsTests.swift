import Testing

@testable import groqbatch

/// Which `Host` and `Origin` values `serve` takes as its own, for binds the process tests do not make
/// (a wildcard, an IPv6 loopback, a named host).
struct DashboardHostsTests {
    @Test func aWildcardBindTakesAddressesButNoNameItWasNotGiven() {
        let hosts = DashboardHosts(listenHost: "0.0.0.0", port: 8080, publicHosts: ["queue.example.com"])
        #expect(hosts.accepts(authority: "192.168.1.5:8080") && hosts.accepts(authority: "[fe80::1]:8080"))
        #expect(hosts.accepts(authority: "queue.example.com") && hosts.accepts(origin: "https://queue.example.com"))
        #expect(!hosts.accepts(authority: "192.168.1.5:9090"), "another port")
        #expect(!hosts.accepts(authority: "attacker.example:8080") && !hosts.accepts(authority: "localhost:8080"))
        #expect(!hosts.accepts(authority: "1.2.3.4.attacker.example:8080") && !hosts.accepts(authority: "999.1.1.1:8080"))
    }

    @Test func anIPv6LoopbackBindTakesTheLoopbackNames() {
        let hosts = DashboardHosts(listenHost: "::1", port: 0, publicHosts: [])
        hosts.port.store(4321, ordering: .relaxed)
        #expect(hosts.accepts(authority: "[::1]:4321") && hosts.accepts(authority: "localhost:4321") && hosts.accepts(authority: "127.0.0.1:4321"))
        #expect(hosts.accepts(origin: "http://[::1]:4321") && !hosts.accepts(origin: "http://[::1]:4322"))
        #expect(!hosts.accepts(authority: "[::2]:4321") && !hosts.accepts(authority: "[::1]:0"))
    }

    @Test func malformedAuthoritiesAndOriginsAreRefused() {
        let hosts = DashboardHosts(listenHost: "127.0.0.1", port: 8080, publicHosts: [])
        for authority in ["", "127.0.0.1:", "127.0.0.1:80a", "127.0.0.1:99999", "user@127.0.0.1:8080", "127.0.0.1:8080/x", ":8080"] {
            #expect(!hosts.accepts(authority: authority), "\(authority)")
        }
        for origin in ["null", "127.0.0.1:8080", "ftp://127.0.0.1:8080", "http://127.0.0.1:8080/path", "http://attacker.example"] {
            #expect(!hosts.accepts(origin: origin), "\(origin)")
        }
        #expect(hosts.accepts(origin: "http://127.0.0.1:8080") && hosts.accepts(authority: "127.0.0.1:8080"))
    }
}
