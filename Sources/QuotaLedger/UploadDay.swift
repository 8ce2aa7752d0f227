import Findings
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One calendar day of the Seller Console's upload quota, in the quota's time zone
/// (GMT+08:00 unless configured otherwise), written `YYYY-MM-DD`.
///
/// Held as a count of days since 1970-01-01 so that days compare, hash and step without a
/// calendar library; years are limited to 0001...9999 so that the text form is always ten
/// characters and sorts like the day itself (the ledger stores days as that text).
public struct UploadDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before it).
    public let daysSinceEpoch: Int

    /// 0001-01-01, the first day with a four-digit year.
    public static let earliest = UploadDay(unchecked: -719_162)
    /// 9999-12-31, the last day with a four-digit year.
    public static let latest = UploadDay(unchecked: 2_932_896)

    private init(unchecked days: Int) { daysSinceEpoch = days }

    /// The day `daysSinceEpoch` days after 1970-01-01; nil outside 0001-01-01...9999-12-31.
    public init?(daysSinceEpoch days: Int) {
        guard days >= UploadDay.earliest.daysSinceEpoch, days <= UploadDay.latest.daysSinceEpoch else { return nil }
        daysSinceEpoch = days
    }

    /// The day `year-month-day` of the proleptic Gregorian calendar; nil when no such day exists.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...UploadDay.daysIn(month: month, year: year)).contains(day) else { return nil }
        daysSinceEpoch = CivilDays.days(year: year, month: month, day: day)
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, a real calendar day); nil for anything else.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The day on which the instant `epochSeconds` (seconds since 1970-01-01T00:00:00Z) falls in
    /// the time zone `utcOffsetSeconds` east of UTC. Instants before year 1 or after year 9999
    /// give the earliest or latest day rather than trapping.
    public init(epochSeconds: Int64, utcOffsetSeconds: Int) {
        let (local, overflow) = epochSeconds.addingReportingOverflow(Int64(utcOffsetSeconds))
        let clampedLocal: Int64 = overflow ? (utcOffsetSeconds > 0 ? Int64.max : Int64.min) : local
        // Floor division: an instant one second before midnight belongs to the previous day.
        var days = clampedLocal / 86_400
        if clampedLocal % 86_400 < 0 { days -= 1 }
        let low = Int64(UploadDay.earliest.daysSinceEpoch), high = Int64(UploadDay.latest.daysSinceEpoch)
        daysSinceEpoch = Int(min(max(days, low), high))
    }

    /// The calendar year, month (1...12) and day of month (1...31).
    public var components: (year: Int, month: Int, day: Int) {
        CivilDays.date(days: daysSinceEpoch)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (year, month, day) = components
        return UploadDay.padded(year, 4) + "-" + UploadDay.padded(month, 2) + "-" + UploadDay.padded(day, 2)
    }

    /// The day `count` days later (earlier when negative); nil past 0001-01-01...9999-12-31.
    public func adding(days count: Int) -> UploadDay? {
        let (sum, overflow) = daysSinceEpoch.addingReportingOverflow(count)
        return overflow ? nil : UploadDay(daysSinceEpoch: sum)
    }

    /// How many days `other` lies after this day (negative when before).
    public func days(until other: UploadDay) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    public static func < (a: UploadDay, b: UploadDay) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    // MARK: Calendar arithmetic (Howard Hinnant's days_from_civil / civil_from_days)

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Where "now" comes from, as seconds since 1970-01-01T00:00:00Z: the system's real-time clock,
/// or a fixed or scripted instant in tests, so that day roll-over can be tested without waiting.
public struct UploadClock: Sendable {
    /// Returns the current instant in seconds since the epoch.
    public let epochSeconds: @Sendable () -> Int64

    /// A clock that answers `epochSeconds()`.
    public init(epochSeconds: @escaping @Sendable () -> Int64) {
        self.epochSeconds = epochSeconds
    }

    /// The system's real-time clock (`clock_gettime(CLOCK_REALTIME)`).
    public static let system = UploadClock {
        var now = timespec()
        guard clock_gettime(CLOCK_REALTIME, &now) == 0 else { return 0 }
        return Int64(now.tv_sec)
    }

    /// A clock that always answers `epochSeconds`.
    public static func fixed(_ epochSeconds: Int64) -> UploadClock {
        UploadClock { epochSeconds }
    }

    /// The upload day it is now in the time zone of `limits`.
    public func today(_ limits: QuotaLimits) -> UploadDay {
        limits.day(atEpochSeconds: epochSeconds())
    }
}
