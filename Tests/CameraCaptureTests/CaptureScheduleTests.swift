@testable import CameraCapture
import Foundation
import Testing
import TimelapserCore

@Suite("Capture windows: the NOAA solar calculator and the pure schedule")
struct CaptureScheduleTests {
    static func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }

    static func local(_ text: String, _ zone: TimeZone) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text)!
    }

    /// Published sunrise and sunset (local clock time, to the minute) from the timeanddate.com / NOAA Solar
    /// Calculator tables for these places and dates; our answer is within a minute of each.
    struct Published: Sendable, CustomStringConvertible {
        var place: String, latitude: Double, longitude: Double, zone: String, date: (Int, Int, Int)
        var sunrise: String, sunset: String?
        var description: String { "\(place) \(date)" }
    }

    static let published: [Published] = [
        // London (51.5074 N, 0.1278 W): summer solstice 04:43 / 21:21 BST, winter solstice 08:04 / 15:53 GMT.
        Published(place: "London", latitude: 51.5074, longitude: -0.1278, zone: "Europe/London", date: (2024, 6, 20),
                  sunrise: "2024-06-20 04:43:00", sunset: "2024-06-20 21:21:00"),
        Published(place: "London", latitude: 51.5074, longitude: -0.1278, zone: "Europe/London", date: (2024, 12, 21),
                  sunrise: "2024-12-21 08:04:00", sunset: "2024-12-21 15:53:00"),
        // Sydney (33.8688 S, 151.2093 E): December solstice 05:41 / 20:05 AEDT, June solstice 07:00 / 16:54 AEST.
        Published(place: "Sydney", latitude: -33.8688, longitude: 151.2093, zone: "Australia/Sydney", date: (2024, 12, 21),
                  sunrise: "2024-12-21 05:41:00", sunset: "2024-12-21 20:05:00"),
        Published(place: "Sydney", latitude: -33.8688, longitude: 151.2093, zone: "Australia/Sydney", date: (2024, 6, 21),
                  sunrise: "2024-06-21 07:00:00", sunset: "2024-06-21 16:54:00"),
        // Reykjavik (64.1466 N, 21.9426 W): June solstice sunrise 02:55; December solstice 11:22 / 15:29.
        Published(place: "Reykjavik", latitude: 64.1466, longitude: -21.9426, zone: "Atlantic/Reykjavik", date: (2024, 6, 21),
                  sunrise: "2024-06-21 02:55:00", sunset: nil),
        Published(place: "Reykjavik", latitude: 64.1466, longitude: -21.9426, zone: "Atlantic/Reykjavik", date: (2024, 12, 21),
                  sunrise: "2024-12-21 11:22:00", sunset: "2024-12-21 15:29:00"),
        // New York (40.7128 N, 74.0060 W): June solstice 05:25 / 20:31 EDT, December solstice 07:17 / 16:32 EST.
        Published(place: "New York", latitude: 40.7128, longitude: -74.0060, zone: "America/New_York", date: (2024, 6, 20),
                  sunrise: "2024-06-20 05:25:00", sunset: "2024-06-20 20:31:00"),
        Published(place: "New York", latitude: 40.7128, longitude: -74.0060, zone: "America/New_York", date: (2024, 12, 21),
                  sunrise: "2024-12-21 07:17:00", sunset: "2024-12-21 16:32:00"),
        // Singapore (1.3521 N, 103.8198 E): March equinox 07:09 / 19:15 SGT.
        Published(place: "Singapore", latitude: 1.3521, longitude: 103.8198, zone: "Asia/Singapore", date: (2024, 3, 20),
                  sunrise: "2024-03-20 07:09:00", sunset: "2024-03-20 19:15:00"),
    ]

    @Test("sunrise and sunset within a minute of published tables", arguments: published)
    func solarTables(_ row: Published) throws {
        let day = SolarCalculator.day(year: row.date.0, month: row.date.1, day: row.date.2,
                                      latitude: row.latitude, longitude: row.longitude)
        guard case .normal(let sunrise, let sunset) = day else {
            Issue.record("\(row): \(day)")
            return
        }
        let zone = Self.zone(row.zone)
        #expect(abs(sunrise.timeIntervalSince(Self.local(row.sunrise, zone))) <= 60, "\(row) sunrise \(sunrise)")
        if let published = row.sunset {
            #expect(abs(sunset.timeIntervalSince(Self.local(published, zone))) <= 60, "\(row) sunset \(sunset)")
        }
    }

    @Test("polar night and polar day are their own cases")
    func polar() {
        // Tromsø (69.65 N): polar night from late November to mid January, midnight sun from late May to late July.
        #expect(SolarCalculator.day(year: 2024, month: 12, day: 21, latitude: 69.6492, longitude: 18.9553) == .polarNight)
        #expect(SolarCalculator.day(year: 2024, month: 6, day: 21, latitude: 69.6492, longitude: 18.9553) == .polarDay)
        // Longyearbyen (78.22 N): midnight sun from April to August.
        #expect(SolarCalculator.day(year: 2024, month: 6, day: 21, latitude: 78.2232, longitude: 15.6267) == .polarDay)
        #expect(SolarCalculator.day(year: 2024, month: 12, day: 21, latitude: 78.2232, longitude: 15.6267) == .polarNight)
    }

    @Test("a time window across midnight on some weekdays")
    func timeWindowAcrossMidnight() {
        let zone = Self.zone("Europe/Berlin")
        // 22:00–06:00, opening on Fridays and Saturdays (2024-06-14 is a Friday).
        let schedule = CaptureSchedule(window: .time(start: 22 * 60, end: 6 * 60, days: [6, 7]), timeZone: zone, intervalSeconds: 60)
        func at(_ text: String) -> Date { Self.local(text, zone) }
        #expect(!schedule.isOpen(at: at("2024-06-14 21:59:00")))
        #expect(schedule.isOpen(at: at("2024-06-14 22:00:00")))
        #expect(schedule.isOpen(at: at("2024-06-15 05:59:00")), "Friday's window runs into Saturday morning")
        #expect(!schedule.isOpen(at: at("2024-06-15 06:00:00")))
        #expect(schedule.isOpen(at: at("2024-06-16 03:00:00")), "Saturday's window runs into Sunday morning")
        #expect(!schedule.isOpen(at: at("2024-06-16 23:00:00")), "no window opens on Sunday")
        #expect(!schedule.isOpen(at: at("2024-06-14 03:00:00")), "nor on Thursday")
        // Next captures: on the minute grid, inside the window; from Sunday morning, the next Friday night.
        #expect(schedule.nextCapture(atOrAfter: at("2024-06-14 12:00:00")) == at("2024-06-14 22:00:00"))
        #expect(schedule.nextCapture(atOrAfter: at("2024-06-14 23:10:30")) == at("2024-06-14 23:11:00"))
        #expect(schedule.nextCapture(atOrAfter: at("2024-06-16 05:59:30")) == at("2024-06-21 22:00:00"))
    }

    @Test("the slot grid is the multiples of the interval since the epoch, the same in every process")
    func grid() {
        let schedule = CaptureSchedule(window: .always, timeZone: .gmt, intervalSeconds: 7)
        let slot = schedule.slot(atOrAfter: Date(timeIntervalSince1970: 1_000_000.5))
        #expect(slot.timeIntervalSince1970 == 1_000_006)
        #expect(schedule.nextCapture(atOrAfter: slot) == slot)
        #expect(schedule.isOpen(at: slot))
    }

    @Test("a daylight window in a northern and a southern city")
    func daylight() throws {
        // London in June: from 30 minutes before sunrise (04:43) to sunset (21:21).
        let london = Self.zone("Europe/London")
        let north = CaptureSchedule(window: .daylight(latitude: 51.5074, longitude: -0.1278, sunriseOffsetMinutes: -30,
                                                      sunsetOffsetMinutes: 0), timeZone: london, intervalSeconds: 300)
        #expect(!north.isOpen(at: Self.local("2024-06-20 04:00:00", london)))
        #expect(north.isOpen(at: Self.local("2024-06-20 04:20:00", london)))
        #expect(north.isOpen(at: Self.local("2024-06-20 21:15:00", london)))
        #expect(!north.isOpen(at: Self.local("2024-06-20 21:25:00", london)))
        let first = try #require(north.nextCapture(atOrAfter: Self.local("2024-06-20 00:00:00", london)))
        #expect(first == Self.local("2024-06-20 04:15:00", london), "the first 5-minute slot after 04:13 \(first)")
        // Sydney in June (winter): 07:00 to 16:54; after sunset the next capture is the next morning.
        let sydney = Self.zone("Australia/Sydney")
        let south = CaptureSchedule(window: .daylight(latitude: -33.8688, longitude: 151.2093, sunriseOffsetMinutes: 0,
                                                      sunsetOffsetMinutes: 0), timeZone: sydney, intervalSeconds: 600)
        #expect(!south.isOpen(at: Self.local("2024-06-21 06:50:00", sydney)))
        #expect(south.isOpen(at: Self.local("2024-06-21 12:00:00", sydney)))
        #expect(!south.isOpen(at: Self.local("2024-06-21 17:00:00", sydney)))
        let next = try #require(south.nextCapture(atOrAfter: Self.local("2024-06-21 17:00:00", sydney)))
        #expect(next == Self.local("2024-06-22 07:10:00", sydney), "\(next)")
    }

    @Test("a daylight window: polar night captures nothing, polar day is always open")
    func daylightPolar() throws {
        let oslo = Self.zone("Europe/Oslo")
        let tromso = CaptureSchedule(window: .daylight(latitude: 69.6492, longitude: 18.9553, sunriseOffsetMinutes: 0,
                                                       sunsetOffsetMinutes: 0), timeZone: oslo, intervalSeconds: 60)
        let december = Self.local("2024-12-21 12:00:00", oslo)
        #expect(!tromso.isOpen(at: december))
        let next = try #require(tromso.nextCapture(atOrAfter: december))
        #expect(next > Self.local("2025-01-10 00:00:00", oslo), "no capture until the sun returns in January: \(next)")
        // Longyearbyen's midnight sun: open at midnight and noon, every slot captured.
        let svalbard = CaptureSchedule(window: .daylight(latitude: 78.2232, longitude: 15.6267, sunriseOffsetMinutes: 0,
                                                         sunsetOffsetMinutes: 0), timeZone: oslo, intervalSeconds: 60)
        for time in ["2024-06-21 00:00:00", "2024-06-21 00:30:00", "2024-06-21 12:00:00", "2024-06-21 23:59:30"] {
            #expect(svalbard.isOpen(at: Self.local(time, oslo)), "\(time)")
        }
        let midnight = Self.local("2024-06-21 23:59:30", oslo)
        #expect(svalbard.nextCapture(atOrAfter: midnight) == Self.local("2024-06-22 00:00:00", oslo))
        // Longyearbyen's polar night has no sunrise within weeks.
        let winter = CaptureSchedule(window: .daylight(latitude: 78.2232, longitude: 15.6267, sunriseOffsetMinutes: 0,
                                                       sunsetOffsetMinutes: 0), timeZone: oslo, intervalSeconds: 60)
        let nextWinter = try #require(winter.nextCapture(atOrAfter: december))
        #expect(nextWinter > Self.local("2025-02-01 00:00:00", oslo), "\(nextWinter)")
    }

    @Test("lease timing: renewed several times a lease, expiring within about one short interval")
    func leaseTiming() {
        let short = CaptureLeaseTiming(intervalSeconds: 1)
        #expect(short.renewEvery == 0.5 && short.duration == 2)
        #expect(CaptureLeaseTiming(intervalSeconds: 3).duration == 3)
        let long = CaptureLeaseTiming(intervalSeconds: 3600)
        #expect(long.renewEvery == 10 && long.duration == 30)
    }
}
