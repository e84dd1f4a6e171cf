// swift-tools-version:6.2
import PackageDescription

/// Upcoming features that keep existentials honest (as swift-jobs does), and no warnings: a warning in
/// the project's own code fails the build (dependencies' warnings are not ours and stay silent).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "groqbatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "groqbatch", targets: ["groqbatch"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // Template imports: prompts rendered from rows with Mustache, rows read from CSV (streamed, RFC 4180).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
        // The PostgreSQL store (a fleet of hosts on one queue and one Groq budget): PostgresClient's pool,
        // LISTEN/NOTIFY, SCRAM and TLS.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        // Already in the build for swift-configuration; named because `Settings` passes it a FilePath.
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        /// Import and export formats: the JSONL line forms, validation, the Batch API output form, CSV,
        /// rows rendered through templates, and the JSON Schema validator for structured answers.
        .target(
            name: "JobFormats",
            dependencies: [
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: swiftSettings),
        /// The GroqQueue's pure budget math: meters, admission, provider corrections, token estimates.
        .target(name: "Scheduler", swiftSettings: swiftSettings),
        /// The SQLite queue: migrations, jobs, claims, leases, results.
        .target(
            name: "QueueStore",
            dependencies: [
                "JobFormats", "Scheduler",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API, for binding an import's rows without boxing each value (ImportSink).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The OpenAI-compatible Groq client: requests, responses, rate-limit headers, error classes.
        .target(
            name: "GroqClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                // Already built for AsyncHTTPClient; named here to tell a failed TLS handshake in words.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        /// A Groq-compatible server on loopback for the demo, the tests and the benchmarks.
        .target(
            name: "GroqSimulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The worker daemon: claim loop, bounded task group, retries, fallback, leases, shutdown.
        .target(
            name: "Worker",
            dependencies: [
                "QueueStore", "GroqClient", "Scheduler", "JobFormats",
                // ByteBuffer: a Batch API input file is streamed to the client a page at a time.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "groqbatch",
            dependencies: [
                "JobFormats", "QueueStore", "PostgresStore", "GroqClient", "GroqSimulator", "Worker", "Scheduler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                // The dashboard's pages (`serve`).
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            // The dashboard's templates are compiled in (make templates writes EmbeddedTemplates.swift).
            exclude: ["Dashboard/Templates"],
            swiftSettings: swiftSettings
        ),
        /// The queue on PostgreSQL, for a fleet of hosts sharing one Groq account: its connection URL, its
        /// schema (`migrations/postgres/`, compiled in by `make migrations`) and the runner that applies it.
        .target(
            name: "PostgresStore",
            dependencies: [
                "QueueStore", "JobFormats",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        /// `make bench`: the figures the issues ask for, each against its limit measured in the same run.
        .executableTarget(
            name: "groqbatch-bench",
            dependencies: [
                "QueueStore", "PostgresStore", "GroqClient", "JobFormats", "Scheduler",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        /// What the test targets share: temporary folders, package paths, running the built binary.
        .target(
            name: "TestSupport",
            dependencies: [
                "PostgresStore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                // SQLiteShell reads the tests' queues through SQLite's C API instead of spawning the shell.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "JobFormatsTests", dependencies: ["JobFormats", "TestSupport"],
            // The reference validator the differential test runs (Python's jsonschema).
            exclude: ["Schema/jsonschema_verdicts.py"], swiftSettings: swiftSettings),
        .testTarget(
            name: "QueueStoreTests", dependencies: ["QueueStore", "PostgresStore", "JobFormats", "Scheduler", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GroqClientTests",
            dependencies: ["GroqClient", "GroqSimulator", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GroqSimulatorTests",
            dependencies: ["GroqSimulator", "GroqClient", "TestSupport"],
            exclude: ["Conformance"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Worker", "QueueStore", "PostgresStore", "GroqClient", "GroqSimulator", "Scheduler", "JobFormats", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "PostgresStore", "QueueStore", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CLITests",
            dependencies: ["groqbatch", "Worker", "Scheduler", "PostgresStore", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
    ]
)
