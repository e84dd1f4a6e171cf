import Foundation
import Scheduler
import Testing

struct RunScheduleTests {
    /// A date from wall-clock parts in a zone.
    func at(_ zone: TimeZone, _ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    func schedule(_ windows: String..., zone: TimeZone) throws -> RunSchedule {
        RunSchedule(windows: try windows.map { try RunWindow(parsing: $0) }, timeZone: zone)
    }

    let utc = TimeZone(identifier: "UTC")!
    let berlin = TimeZone(identifier: "Europe/Berlin")!
    let newYork = TimeZone(identifier: "America/New_York")!

    @Test func parsesWindowsAndRejectsNonsense() throws {
        #expect(try RunWindow(parsing: "22:00-06:00").crossesMidnight)
        #expect(try !RunWindow(parsing: "9:30-17:00").crossesMidnight)
        #expect(try RunWindow(parsing: "00:00-24:00").description == "00:00-24:00")
        #expect(try RunWindow(parsing: "01:02:03-04:05:06").description == "01:02:03-04:05:06")
        for bad in ["22:00", "22:00-", "25:00-06:00", "22:60-06:00", "10:00-10:00", "aa:bb-cc:dd", "22:00-06:00-07:00", "24:00-01:00", "+1:00-02:00"] {
            #expect(throws: RunWindow.ParseError.self, "\(bad)") { try RunWindow(parsing: bad) }
        }
    }

    @Test func aWindowCrossingMidnightIsOpenOnBothSides() throws {
        let night = try schedule("22:00-06:00", zone: utc)
        #expect(night.state(at: at(utc, 2026, 11, 25, 23, 30)) == .open(until: at(utc, 2026, 11, 26, 6)))
        #expect(night.state(at: at(utc, 2026, 11, 26, 2)) == .open(until: at(utc, 2026, 11, 26, 6)))
        #expect(night.state(at: at(utc, 2026, 11, 26, 6)) == .closed(opensAt: at(utc, 2026, 11, 26, 22)), "the end is exclusive")
        #expect(night.state(at: at(utc, 2026, 11, 26, 12)) == .closed(opensAt: at(utc, 2026, 11, 26, 22)))
        #expect(night.state(at: at(utc, 2026, 11, 26, 22)) == .open(until: at(utc, 2026, 11, 27, 6)), "the start is inclusive")
    }

    @Test func touchingWindowsMergeAndTheNearestOpeningWins() throws {
        let split = try schedule("02:00-06:00", "22:00-02:00", "12:00-13:00", zone: utc)
        #expect(split.state(at: at(utc, 2026, 11, 25, 23)) == .open(until: at(utc, 2026, 11, 26, 6)))
        #expect(split.state(at: at(utc, 2026, 11, 26, 7)) == .closed(opensAt: at(utc, 2026, 11, 26, 12)))
        #expect(split.state(at: at(utc, 2026, 11, 26, 13)) == .closed(opensAt: at(utc, 2026, 11, 26, 22)))
    }

    @Test func aWindowKeepsItsWallClockTimesAcrossDaylightSavingChanges() throws {
        // Berlin leaves summer time on 2026-10-25 at 03:00 (back to 02:00): that night is 9 hours long.
        let night = try schedule("22:00-06:00", zone: berlin)
        let autumnStart = at(berlin, 2026, 10, 24, 22)
        guard case .open(let autumnEnd) = night.state(at: autumnStart) else {
            Issue.record("closed at 22:00")
            return
        }
        #expect(autumnEnd == at(berlin, 2026, 10, 25, 6))
        #expect(autumnEnd.timeIntervalSince(autumnStart) == 9 * 3600)
        // It enters summer time on 2026-03-29 at 02:00 (on to 03:00): that night is 7 hours long.
        let springStart = at(berlin, 2026, 3, 28, 22)
        guard case .open(let springEnd) = night.state(at: springStart) else {
            Issue.record("closed at 22:00")
            return
        }
        #expect(springEnd.timeIntervalSince(springStart) == 7 * 3600)
    }

    @Test func aStartInsideTheSkippedHourMovesToTheFirstTimeThatExists() throws {
        // New York skips 02:00-03:00 on 2026-03-08.
        let window = try schedule("02:30-04:00", zone: newYork)
        let before = at(newYork, 2026, 3, 8, 1, 0)
        guard case .closed(let opens) = window.state(at: before) else {
            Issue.record("open at 01:00")
            return
        }
        #expect(opens == at(newYork, 2026, 3, 8, 3, 0))
        #expect(opens.timeIntervalSince(before) == 3600, "one real hour after 01:00 EST is 03:00 EDT")
    }

    @Test func theZoneDecidesWhenAWindowOpens() throws {
        let instant = at(utc, 2026, 11, 25, 21, 30)
        #expect(try schedule("22:00-06:00", zone: utc).isOpen(at: instant) == false)
        #expect(try schedule("22:00-06:00", zone: berlin).isOpen(at: instant) == true, "21:30 UTC is 22:30 in Berlin in winter")
    }

    @Test func aSleepingWorkerWakesWhenTheWindowOpens() throws {
        // The worker asks at each wake-up; walking a day minute by minute, every closed state names the
        // next opening, and asking again at that instant finds the window open.
        let night = try schedule("22:00-06:00", "12:00-12:30", zone: berlin)
        var now = at(berlin, 2026, 11, 25, 0)
        var openings = 0
        while now < at(berlin, 2026, 11, 27, 0) {
            if case .closed(let opensAt) = night.state(at: now) {
                #expect(opensAt > now)
                #expect(night.isOpen(at: opensAt))
                #expect(!night.isOpen(at: opensAt.addingTimeInterval(-1)))
                if opensAt.timeIntervalSince(now) <= 60 { openings += 1 }
            }
            now.addTimeInterval(60)
        }
        #expect(openings == 4, "two windows a day, two days")
    }
}
