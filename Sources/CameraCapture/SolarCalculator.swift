import Foundation

/// Sunrise and sunset by the NOAA solar position equations (the NOAA Solar Calculator spreadsheet, after Meeus:
/// geometric mean longitude and anomaly, equation of centre, apparent longitude, obliquity, declination, equation
/// of time), with the standard −0.833° altitude (refraction and the solar disc). Each event is refined once by
/// recomputing the sun's position at its own time. Accurate to about a minute away from the polar circles.
public enum SolarCalculator {
    /// The sun's day at a place on one date.
    public enum Day: Equatable, Sendable {
        /// The sun rises and sets (instants; either may fall on the neighbouring UTC date).
        case normal(sunrise: Date, sunset: Date)
        /// The sun never sets on this date (midnight sun).
        case polarDay
        /// The sun never rises on this date.
        case polarNight
    }

    /// The sunrise and sunset of the calendar date `year-month-day` at a place (longitude east positive).
    public static func day(year: Int, month: Int, day: Int, latitude: Double, longitude: Double) -> Day {
        let midnight = julianDay(year: year, month: month, day: day) // 0h UTC of the date
        let noon = solarNoonMinutes(julianDay: midnight + 0.5 - longitude / 360, longitude: longitude)
        func event(rising: Bool) -> Double? {
            var minutes = noon
            for _ in 0..<2 {
                guard let angle = hourAngle(julianDay: midnight + minutes / 1440, latitude: latitude) else { return nil }
                let eventNoon = solarNoonMinutes(julianDay: midnight + minutes / 1440, longitude: longitude)
                minutes = eventNoon + (rising ? -4 : 4) * angle
            }
            return minutes
        }
        let position = sunPosition(julianDay: midnight + noon / 1440)
        let cosine = cosineOfHourAngle(latitude: latitude, declination: position.declination)
        if cosine > 1 { return .polarNight }
        if cosine < -1 { return .polarDay }
        guard let rise = event(rising: true), let set = event(rising: false) else {
            // Right at the edge of the polar day or night: the noon answer decides.
            return cosine > 0 ? .polarNight : .polarDay
        }
        let base = (midnight - 2_440_587.5) * 86_400 // seconds since 1970 of 0h UTC
        return .normal(sunrise: Date(timeIntervalSince1970: base + rise * 60), sunset: Date(timeIntervalSince1970: base + set * 60))
    }

    /// Julian day of 0h UTC of a Gregorian date.
    static func julianDay(year: Int, month: Int, day: Int) -> Double {
        var y = year, m = month
        if m <= 2 { y -= 1; m += 12 }
        let a = y / 100
        let b = 2 - a + a / 4
        return floor(365.25 * Double(y + 4716)) + floor(30.6001 * Double(m + 1)) + Double(day) + Double(b) - 1524.5
    }

    struct Position { var declination: Double; var equationOfTime: Double }

    /// Declination (radians) and equation of time (minutes) at a Julian day.
    static func sunPosition(julianDay: Double) -> Position {
        let t = (julianDay - 2_451_545) / 36_525
        let l0 = (280.46646 + t * (36_000.76983 + t * 0.0003032)).truncatingRemainder(dividingBy: 360)
        let m = 357.52911 + t * (35_999.05029 - 0.0001537 * t)
        let e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
        let mr = radians(m)
        let centre = sin(mr) * (1.914602 - t * (0.004817 + 0.000014 * t)) + sin(2 * mr) * (0.019993 - 0.000101 * t)
            + sin(3 * mr) * 0.000289
        let omega = radians(125.04 - 1934.136 * t)
        let apparent = radians(l0 + centre - 0.00569 - 0.00478 * sin(omega))
        let meanObliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
        let obliquity = radians(meanObliquity + 0.00256 * cos(omega))
        let declination = asin(sin(obliquity) * sin(apparent))
        let y = pow(tan(obliquity / 2), 2)
        let l0r = radians(l0)
        let eot = y * sin(2 * l0r) - 2 * e * sin(mr) + 4 * e * y * sin(mr) * cos(2 * l0r)
            - 0.5 * y * y * sin(4 * l0r) - 1.25 * e * e * sin(2 * mr)
        return Position(declination: declination, equationOfTime: 4 * degrees(eot))
    }

    /// Solar noon in minutes after 0h UTC of the date, with the sun's position at `julianDay`.
    static func solarNoonMinutes(julianDay: Double, longitude: Double) -> Double {
        720 - 4 * longitude - sunPosition(julianDay: julianDay).equationOfTime
    }

    static func cosineOfHourAngle(latitude: Double, declination: Double) -> Double {
        let lat = radians(latitude)
        return cos(radians(90.833)) / (cos(lat) * cos(declination)) - tan(lat) * tan(declination)
    }

    /// The sunrise hour angle in degrees, nil when the sun does not cross the horizon.
    static func hourAngle(julianDay: Double, latitude: Double) -> Double? {
        let cosine = cosineOfHourAngle(latitude: latitude, declination: sunPosition(julianDay: julianDay).declination)
        guard (-1...1).contains(cosine) else { return nil }
        return degrees(acos(cosine))
    }

    static func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }
    static func degrees(_ radians: Double) -> Double { radians * 180 / .pi }
}
