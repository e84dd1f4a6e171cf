import Foundation
import Logging
import Scheduler
import Testing
import Worker

@testable import groqbatch

/// `work`'s wiring: each setting reaches the worker from its layer, and every default comes from one place.
@Suite struct WorkAssemblyTests {
    func assembly(_ arguments: [String], environment: [String: String] = [:]) async throws -> WorkAssembly {
        let command = try WorkCommand.parse(arguments)
        let settings = try await Settings.load(configPath: nil, flags: command.flags, environment: environment)
        let work = try WorkSettings(settings)
        return WorkAssembly(settings: work, flags: command.runFlags(zone: work.timeZone), provider: "http://127.0.0.1:1/v1", catalog: .groq)
    }

    @Test func defaultsComeFromTheWorkerAndRemoteSettings() async throws {
        let configuration = try await assembly([]).configuration
        let defaults = WorkerConfiguration()
        #expect(configuration.concurrency == defaults.concurrency)
        #expect(configuration.leaseDuration == defaults.leaseDuration)
        #expect(configuration.heartbeatInterval == defaults.heartbeatInterval)
        #expect(configuration.grace == defaults.grace)
        #expect(configuration.backoff == defaults.backoff)
        #expect(configuration.giveUpAfter == defaults.giveUpAfter)
        #expect(configuration.drain == false && configuration.batch == nil && configuration.maxJobs == nil)
        let remote = try #require(configuration.remote)
        let remoteDefaults = RemoteSettings(provider: "p")
        #expect(remote.maxLines == remoteDefaults.maxLines)
        #expect(remote.pollInterval == remoteDefaults.pollInterval)
        #expect(remote.maxPollInterval == remoteDefaults.maxPollInterval)
        #expect(remote.leaseDuration == remoteDefaults.leaseDuration)
        #expect(remote.concurrency == defaults.concurrency)
        #expect(configuration.budget?.dailyTokenCap == nil && configuration.budget?.dailyCostCap == nil)
    }

    @Test func flagsAndEnvironmentReachTheWorker() async throws {
        let configuration = try await assembly(
            [
                "--concurrency", "5", "--lease", "30", "--backoff-base", "2", "--backoff-cap", "40", "--batch", "nightly", "--drain",
                "--max-jobs", "9", "--give-up-after", "90s", "--batch-max-lines", "100", "--batch-poll-interval", "400",
                "--log-latency", "--max-cost-per-day", "2.5",
            ],
            environment: ["GROQBATCH_WORK_GRACE": "7", "GROQBATCH_WORK_MAX_TOKENS_PER_DAY": "1000"]
        ).configuration
        #expect(configuration.concurrency == 5)
        #expect(configuration.leaseDuration == 30 && configuration.heartbeatInterval == 10)
        #expect(configuration.grace == 7)
        #expect(configuration.backoff == .exponentialJitter(base: 2, cap: 40))
        #expect(configuration.batch == "nightly" && configuration.drain && configuration.maxJobs == 9)
        #expect(configuration.giveUpAfter == 90)
        #expect(configuration.logEvents == [.latency])
        #expect(configuration.budget?.dailyTokenCap == 1000 && configuration.budget?.dailyCostCap == 2.5)
        let remote = try #require(configuration.remote)
        #expect(remote.maxLines == 100 && remote.concurrency == 5)
        // A remote batch's lease is twice a job's; polls never wait less than the first poll.
        #expect(remote.leaseDuration == 60)
        #expect(remote.pollInterval == 400 && remote.maxPollInterval == 400)
        #expect(remote.budget?.dailyTokenCap == 1000)
    }

    @Test func configShowPrintsTheDefaultsTheCodeUses() {
        let defaults = WorkerConfiguration()
        #expect(SettingKey.workConcurrency.defaultText == "\(defaults.concurrency)")
        #expect(SettingKey.workLease.defaultText == "\(Int(defaults.leaseDuration))")
        #expect(SettingKey.workGrace.defaultText == "\(Int(defaults.grace))")
        #expect(SettingKey.workBackoffBase.defaultText == "\(Int(defaults.backoff.base))")
        #expect(SettingKey.workBackoffCap.defaultText == "\(Int(defaults.backoff.cap))")
        #expect(SettingKey.logLevel.defaultText == "notice")
        #expect(SettingKey.workMaxTokensPerDay.defaultText == nil)
        #expect(WorkCommand.helpMessage().contains("Generations in flight at once (default \(defaults.concurrency))"))
    }

    @Test func theSummaryExitsNonZeroOnlyForTheProvidersRefusalOrAbsence() throws {
        let progress = WorkerProgress()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        try WorkSummary(workerID: "w", progress: progress, stopReason: .drained).report(jsonLogs: true, logger: logger)
        #expect(throws: CommandFailure.self) {
            try WorkSummary(workerID: "w", progress: progress, stopReason: .fatal("401")).report(jsonLogs: true, logger: logger)
        }
        #expect(WorkSummary.describe(.maxJobs) == "--max-jobs reached")
    }
}
