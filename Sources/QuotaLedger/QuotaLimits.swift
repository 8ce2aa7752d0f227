/// The Seller Console's daily upload quota: how many distinct files and how many bytes may go up
/// in one day, and the time zone in which that day runs.
///
/// KooGallery's documentation says 100 files and 10 GB a day; koopack reads 10 GB as
/// 10,000,000,000 bytes (the stricter reading) and the day as GMT+08:00 (the console's time
/// zone). Both are assumptions, so all three numbers are configurable.
public struct QuotaLimits: Sendable, Hashable, CustomStringConvertible {
    /// Files a day, counting each distinct SHA-256 once.
    public let filesPerDay: Int
    /// Bytes a day, counting each distinct SHA-256 once.
    public let bytesPerDay: UInt64
    /// The quota day's time zone, in seconds east of UTC.
    public let timeZoneOffsetSeconds: Int

    /// The documented quota: 100 files, 10,000,000,000 bytes, days in GMT+08:00.
    public static let koogallery = QuotaLimits(validated: 100, 10_000_000_000, 8 * 3600)

    /// The largest files-per-day limit accepted: far above any real quota, it keeps a mistyped
    /// option from turning the planner's per-day bookkeeping into a memory hog.
    public static let maximumFilesPerDay = 1_000_000
    /// The largest bytes-per-day limit accepted: sizes are stored as SQLite's signed 64-bit
    /// integers, so no quantity above `Int64.max` can be booked.
    public static let maximumBytesPerDay = UInt64(Int64.max)
    /// The widest time zone offset accepted, ±18 hours (ISO 8601's range; real zones span
    /// −12 to +14 hours).
    public static let maximumOffsetSeconds = 18 * 3600

    private init(validated files: Int, _ bytes: UInt64, _ offset: Int) {
        filesPerDay = files
        bytesPerDay = bytes
        timeZoneOffsetSeconds = offset
    }

    /// Limits of `filesPerDay` files and `bytesPerDay` bytes a day, days running in the zone
    /// `timeZoneOffsetSeconds` east of UTC. Throws when a limit is zero or out of range.
    public init(filesPerDay: Int = 100, bytesPerDay: UInt64 = 10_000_000_000,
                timeZoneOffsetSeconds: Int = 8 * 3600) throws(QuotaLimitsError) {
        guard (1...QuotaLimits.maximumFilesPerDay).contains(filesPerDay) else {
            throw QuotaLimitsError("files per day must be between 1 and \(QuotaLimits.maximumFilesPerDay), not \(filesPerDay)")
        }
        guard (1...QuotaLimits.maximumBytesPerDay).contains(bytesPerDay) else {
            throw QuotaLimitsError("bytes per day must be between 1 and \(QuotaLimits.maximumBytesPerDay), not \(bytesPerDay)")
        }
        guard abs(timeZoneOffsetSeconds) <= QuotaLimits.maximumOffsetSeconds else {
            throw QuotaLimitsError("the time zone offset must be within ±18 hours, not \(timeZoneOffsetSeconds) seconds")
        }
        self.init(validated: filesPerDay, bytesPerDay, timeZoneOffsetSeconds)
    }

    /// The quota day on which the instant `epochSeconds` falls.
    public func day(atEpochSeconds epochSeconds: Int64) -> UploadDay {
        UploadDay(epochSeconds: epochSeconds, utcOffsetSeconds: timeZoneOffsetSeconds)
    }

    /// The instant (epoch seconds) at which `day` begins in this time zone.
    public func start(of day: UploadDay) -> Int64 {
        Int64(day.daysSinceEpoch) * 86_400 - Int64(timeZoneOffsetSeconds)
    }

    /// The time zone as the console writes it, e.g. `GMT+08:00`.
    public var timeZoneName: String { QuotaLimits.formatOffset(timeZoneOffsetSeconds) }

    /// `100 files and 10000000000 bytes a day (GMT+08:00)`.
    public var description: String {
        "\(filesPerDay) files and \(bytesPerDay) bytes a day (\(timeZoneName))"
    }

    /// `GMT+08:00`, `GMT-03:30`, `GMT+00:00` (seconds are dropped).
    public static func formatOffset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "GMT\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }

    /// Parses a time zone offset as a user writes it: `GMT+08:00`, `UTC+8`, `+08:00`, `+0800`,
    /// `-3`, `Z`, `UTC`, `GMT` (case-insensitive). Returns seconds east of UTC, nil when the
    /// text is not an offset or is outside ±18 hours.
    public static func parseOffset(_ text: String) -> Int? {
        var rest = Substring(text.uppercased())
        for prefix in ["GMT", "UTC"] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
            break
        }
        if rest.isEmpty || rest == "Z" { return 0 }
        guard let signCharacter = rest.first, signCharacter == "+" || signCharacter == "-" else { return nil }
        rest = rest.dropFirst()
        var hoursText: Substring, minutesText: Substring
        if let colon = rest.firstIndex(of: ":") {
            hoursText = rest[..<colon]
            minutesText = rest[rest.index(after: colon)...]
            guard minutesText.count == 2 else { return nil }
        } else if rest.count == 4 {
            hoursText = rest.prefix(2)
            minutesText = rest.suffix(2)
        } else {
            hoursText = rest
            minutesText = "0"
        }
        let isDigit: (Character) -> Bool = { $0 >= "0" && $0 <= "9" }
        guard (1...2).contains(hoursText.count), hoursText.allSatisfy(isDigit), minutesText.allSatisfy(isDigit),
              let hours = Int(hoursText), let minutes = Int(minutesText), minutes < 60 else { return nil }
        let seconds = (hours * 60 + minutes) * 60
        guard seconds <= maximumOffsetSeconds else { return nil }
        return signCharacter == "-" ? -seconds : seconds
    }
}

/// Quota limits that cannot be used (zero, or out of range); the message says which and why.
public struct QuotaLimitsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "files per day must be between 1 and 1000000, not 0".
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
