import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Scheduler
import ServiceLifecycle
import Worker

/// `groqbatch serve`: the dashboard, in the browser.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a live dashboard of the queue: batches, throughput, limits, jobs, answers.",
        discussion: """
            Pages (server-rendered HTML, no script, reloading every 10 s): / every batch with its progress \
            and the workers; /batches/NAME its calls per model (429s by limit, latency percentiles, \
            tokens, cost) and errors by code; /models each meter against its limit; \
            /jobs?batch=B&status=S&error=CODE&model=M&q=ID a filtered list; /jobs/ID a job's request, \
            answer, parsed fields and every call. The same data as JSON: /api/v1/status, /api/v1/stats, \
            /api/v1/limits, /api/v1/jobs, /api/v1/jobs/ID (as the commands' --json print it).

            It only reads, in short transactions, beside running workers. It listens on loopback; to \
            listen on another address, give --token FILE: browsers sign in once with the token (a \
            cookie), scripts send Authorization: Bearer TOKEN.

            It answers only requests addressed to it (so a page of another site that points its own \
            name at this address reads nothing): Host must be the address and port it listens on, on \
            loopback also localhost, 127.0.0.1 or [::1], on 0.0.0.0 or :: any address with that port, \
            or a name given with --public-host (the name a proxy or DNS gives it). Other hosts get 421. \
            Actions and sign-ins sent from another site (Origin, Sec-Fetch-Site) get 403.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("The address and port to listen on; port 0 picks a free one.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("A file holding the token every request must show; required off loopback.", valueName: "file"))
    var token: String?

    @Option(
        name: .customLong("public-host"),
        help: ArgumentHelp(
            "Another name clients reach this server by (a proxy's, a DNS name), with or without :port; repeatable.", valueName: "host[:port]"))
    var publicHosts: [String] = []

    @Flag(name: .customLong("allow-actions"), help: "Show buttons that change the queue: cancel or retry a batch, requeue a failed job (each logged).")
    var allowActions = false

    var address: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    static func isLoopback(_ host: String) -> Bool { host == "localhost" || host.hasPrefix("127.") || host == "::1" }

    func validate() throws {
        guard let address else { throw ValidationError("--listen: expected HOST:PORT, such as 127.0.0.1:8080 (got '\(listen)').") }
        if !Self.isLoopback(address.host) && token == nil {
            throw ValidationError("--listen \(listen) is reachable from other machines: add --token FILE (a secret every request must show).")
        }
        for name in publicHosts where DashboardHosts.split(name) == nil {
            throw ValidationError("--public-host: expected a host name or address, with or without :port, such as queue.example.com (got '\(name)').")
        }
    }

    func run() async throws {
        try await failingClearly {
            guard let address else { return }
            var secret: String?
            if let token {
                guard let text = try? String(contentsOfFile: token, encoding: .utf8) else { throw CommandFailure("\(token): cannot read the token file") }
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard trimmed.count >= 16 else { throw CommandFailure("\(token): the token is shorter than 16 characters; use a long random one") }
                secret = trimmed
            }
            let settings = try await database.settings()
            let store = try await database.open(settings)
            let logger = Logger(label: "groqbatch.serve")
            // ETAs as `plan` makes them, with the provider and catalog the settings name.
            let provider = ProviderOptions.providerKey(settings)
            let catalog = try CatalogOption.load(settings).merging(await store.providerModels(provider: provider))
            let schedule = try WorkSettings(settings).schedule
            let forecast: @Sendable (String) async -> WorkPlan? = { batch in
                guard let inputs = try? await store.planInputs(batch: batch, catalog: catalog) else { return nil }
                return try? await WorkForecast.plan(
                    store: store, inputs: inputs, catalog: catalog, provider: provider, concurrency: WorkerConfiguration.Defaults.concurrency,
                    schedule: schedule, now: Date())
            }
            let shown = address.host.contains(":") ? "[\(address.host)]" : address.host
            let application = try DashboardServer.application(
                store: store, host: address.host, port: address.port, publicHosts: publicHosts, token: secret, allowActions: allowActions, logger: logger,
                forecast: forecast
            ) { port in
                // Written straight to the descriptor: scripts and tests wait for this first line.
                FileHandle.standardOutput.write(Data("listening on http://\(shown):\(port)\n".utf8))
            }
            let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
