import Foundation
import Testing
@testable import QuotaLedger

@Suite("Upload days and quota limits")
struct UploadDayTests {
    @Test func theQuotaDayRollsOverAtSixteenHundredUTC() {
        let limits = QuotaLimits.koogallery
        // Midnight of 2026-11-25 in GMT+08:00 is 16:00 UTC on the 24th (Foundation's calendar says so).
        let midnight = epochSeconds(2026, 11, 25, offset: 8 * 3600)
        #expect(midnight == epochSeconds(2026, 11, 24, 16, 0, 0, offset: 0))
        #expect(limits.day(atEpochSeconds: midnight - 1).description == "2026-11-24")
        #expect(limits.day(atEpochSeconds: midnight).description == "2026-11-25")
        #expect(limits.day(atEpochSeconds: midnight + 86_399).description == "2026-11-25")
        #expect(limits.day(atEpochSeconds: midnight + 86_400).description == "2026-11-26")
        #expect(limits.start(of: day("2026-11-25")) == midnight)
        // 15:59:59 UTC is still the 24th in GMT+08:00, though it is the 24th in UTC as well;
        // 16:00 UTC is the 25th in GMT+08:00 while still the 24th in UTC.
        #expect(limits.day(atEpochSeconds: epochSeconds(2026, 11, 24, 15, 59, 59)).description == "2026-11-24")
        #expect(limits.day(atEpochSeconds: epochSeconds(2026, 11, 24, 16, 0, 0)).description == "2026-11-25")
    }

    @Test(arguments: [(-3 * 3600, 3, 0), (0, 0, 0), (5 * 3600 + 1800, 18, 30), (14 * 3600, 10, 0)])
    func aConfiguredOffsetMovesTheRollOver(offset: Int, utcHour: Int, utcMinute: Int) throws {
        let limits = try QuotaLimits(timeZoneOffsetSeconds: offset)
        // The local midnight that starts 2026-03-01 in that zone, as Foundation computes it.
        let midnight = epochSeconds(2026, 3, 1, offset: offset)
        let utcDay = offset > 0 ? (2026, 2, 28) : (2026, 3, 1)
        #expect(midnight == epochSeconds(utcDay.0, utcDay.1, utcDay.2, utcHour, utcMinute, 0))
        #expect(limits.day(atEpochSeconds: midnight - 1).description == "2026-02-28")
        #expect(limits.day(atEpochSeconds: midnight).description == "2026-03-01")
        #expect(UploadClock.fixed(midnight).today(limits).description == "2026-03-01")
    }

    @Test func daysPrintAndParseLikeFoundationsCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        // Every 13th day from 1899 to 2101 (leap years, century years and 2000 included).
        var seconds = epochSeconds(1899, 1, 1)
        let end = epochSeconds(2101, 12, 31)
        while seconds <= end {
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let expected = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            let uploadDay = UploadDay(epochSeconds: seconds, utcOffsetSeconds: 0)
            #expect(uploadDay.description == expected)
            #expect(UploadDay(expected) == uploadDay)
            seconds += 13 * 86_400
        }
    }

    @Test func leapDaysExistOnlyInLeapYears() {
        #expect(UploadDay("2024-02-29") != nil)
        #expect(UploadDay("2000-02-29") != nil)
        #expect(UploadDay("2100-02-29") == nil)
        #expect(UploadDay("2026-02-29") == nil)
        #expect(day("2024-02-28").adding(days: 1)?.description == "2024-02-29")
        #expect(day("2026-12-31").adding(days: 1)?.description == "2027-01-01")
    }

    @Test(arguments: ["", "2026-11-5", "2026-13-01", "2026-00-10", "2026-11-31", "20261125", "2026/11/25",
                      "2026-11-25 ", "+026-11-25", "0000-01-01", "٢٠٢٦-١١-٢٥", "2026-1a-01"])
    func malformedDaysAreRejected(text: String) {
        #expect(UploadDay(text) == nil)
    }

    @Test func instantsBeforeTheEpochFloorToThePreviousDay() {
        #expect(UploadDay(epochSeconds: -1, utcOffsetSeconds: 0).description == "1969-12-31")
        #expect(UploadDay(epochSeconds: 0, utcOffsetSeconds: 0).description == "1970-01-01")
        #expect(UploadDay(epochSeconds: -86_400, utcOffsetSeconds: 0).description == "1969-12-31")
        #expect(UploadDay(epochSeconds: -86_401, utcOffsetSeconds: 0).description == "1969-12-30")
    }

    @Test func absurdInstantsClampInsteadOfTrapping() {
        #expect(UploadDay(epochSeconds: .max, utcOffsetSeconds: 18 * 3600) == .latest)
        #expect(UploadDay(epochSeconds: .min, utcOffsetSeconds: -18 * 3600) == .earliest)
        #expect(UploadDay.latest.description == "9999-12-31")
        #expect(UploadDay.earliest.description == "0001-01-01")
        #expect(UploadDay.latest.adding(days: 1) == nil)
        #expect(UploadDay.earliest.adding(days: -1) == nil)
        #expect(UploadDay.latest.adding(days: .max) == nil)
    }

    @Test func timeZoneOffsetsParseAsSellersWriteThem() {
        #expect(QuotaLimits.parseOffset("GMT+08:00") == 28_800)
        #expect(QuotaLimits.parseOffset("utc+8") == 28_800)
        #expect(QuotaLimits.parseOffset("+0530") == 19_800)
        #expect(QuotaLimits.parseOffset("-03:00") == -10_800)
        #expect(QuotaLimits.parseOffset("UTC") == 0)
        #expect(QuotaLimits.parseOffset("Z") == 0)
        #expect(QuotaLimits.parseOffset("GMT+19:00") == nil)
        #expect(QuotaLimits.parseOffset("GMT+08:60") == nil)
        #expect(QuotaLimits.parseOffset("GMT++8") == nil)
        #expect(QuotaLimits.parseOffset("Asia/Shanghai") == nil)
        #expect(QuotaLimits.formatOffset(28_800) == "GMT+08:00")
        #expect(QuotaLimits.formatOffset(-12_600) == "GMT-03:30")
        #expect(QuotaLimits.koogallery.timeZoneName == "GMT+08:00")
    }

    @Test func theDocumentedQuotaIsTheDefault() throws {
        let defaults = try QuotaLimits()
        #expect(defaults == .koogallery)
        #expect(defaults.filesPerDay == 100)
        #expect(defaults.bytesPerDay == 10_000_000_000)
        #expect(defaults.timeZoneOffsetSeconds == 8 * 3600)
    }

    @Test func unusableLimitsAreRefused() {
        #expect(throws: QuotaLimitsError.self) { try QuotaLimits(filesPerDay: 0) }
        #expect(throws: QuotaLimitsError.self) { try QuotaLimits(filesPerDay: -1) }
        #expect(throws: QuotaLimitsError.self) { try QuotaLimits(bytesPerDay: 0) }
        #expect(throws: QuotaLimitsError.self) { try QuotaLimits(bytesPerDay: .max) }
        #expect(throws: QuotaLimitsError.self) { try QuotaLimits(timeZoneOffsetSeconds: 19 * 3600) }
        do {
            _ = try QuotaLimits(filesPerDay: 0)
        } catch {
            #expect(error.message.contains("files per day"))
        }
    }
}

@Suite("Upload clock")
struct UploadClockTests {
    @Test func theSystemClockAgreesWithFoundation() {
        let before = Int64(Date().timeIntervalSince1970)
        let seconds = UploadClock.system.epochSeconds()
        let after = Int64(Date().timeIntervalSince1970)
        #expect(seconds >= before && seconds <= after)
        let today = UploadClock.system.today(.koogallery)
        #expect(today == QuotaLimits.koogallery.day(atEpochSeconds: seconds)
                || today == QuotaLimits.koogallery.day(atEpochSeconds: after))
    }
}
