import Foundation
import QueueStore
import Testing

/// One provider, one key, whatever the spelling of its base URL.
struct ProviderKeyTests {
    @Test(arguments: [
        ("https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1"),
        ("https://api.groq.com/openai/v1/", "https://api.groq.com/openai/v1"),
        ("HTTPS://API.Groq.COM:443/openai/v1//", "https://api.groq.com/openai/v1"),
        ("http://gateway.example:80/v1", "http://gateway.example/v1"),
        ("https://gateway.example:8443/v1", "https://gateway.example:8443/v1"),
        ("http://localhost:8089/openai/v1", "http://127.0.0.1:8089/openai/v1"),
        ("http://LocalHost:8089/openai/v1/", "http://127.0.0.1:8089/openai/v1"),
        ("http://[::1]:8089/openai/v1", "http://127.0.0.1:8089/openai/v1"),
        ("http://user:secret@127.0.0.1:8089/openai/v1", "http://127.0.0.1:8089/openai/v1"),
        ("http://[2001:DB8::1]:8080/v1", "http://[2001:db8::1]:8080/v1"),
        ("https://gateway.example/Tenant/V1?region=eu", "https://gateway.example/Tenant/V1?region=eu"),
        ("not a url/", "not a url"),
    ])
    func aBaseURLIsKeyedByOneSpelling(given: String, key: String) {
        #expect(ProviderKey(given).rawValue == key)
    }

    @Test func anotherHostPortSchemeOrPathIsAnotherProvider() {
        let groq = ProviderKey("https://api.groq.com/openai/v1")
        for other in [
            "https://gateway.example/openai/v1", "http://api.groq.com/openai/v1", "https://api.groq.com:8443/openai/v1", "https://api.groq.com/v1",
            "https://api.groq.com/OPENAI/v1",
        ] {
            #expect(!groq.names(other), "\(other)")
        }
        #expect(ProviderKey("http://127.0.0.1:8089/v1") != ProviderKey("http://127.0.0.1:8090/v1"))
        #expect(ProviderKey("http://127.0.0.2:8089/v1") != ProviderKey("http://127.0.0.1:8089/v1"), "only the usual loopback names are one")
        #expect(ProviderKey("http://localhost:8089/v1").names("http://[::1]:8089/v1/"))
    }
}
