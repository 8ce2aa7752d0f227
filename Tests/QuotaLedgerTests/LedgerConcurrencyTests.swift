import Foundation
import Testing
@testable import QuotaLedger

/// Many writers on one ledger file, each with its own connection on its own thread, as
/// several koopack processes would be.
@Suite("Upload ledger under concurrent writers")
struct LedgerConcurrencyTests {
    let today = day("2026-11-25")
    let now = epochSeconds(2026, 11, 25, 10, 0, 0, offset: 8 * 3600)

    /// The outcome of one writer: rows booked, or the error it got.
    enum Outcome: Sendable {
        case booked(Int)
        case refused(LedgerError)
        case failed(String)
    }

    /// Each of `writers` threads opens the ledger at `path`, reads today's usage, puts `filesEach`
    /// new files on today (as `--day` would; the plan is stale by the time it is booked, since
    /// the others book in between), and reserves.
    func race(path: String, writers: Int, filesEach: Int, limits: QuotaLimits) -> [Outcome] {
        let now = self.now, today = self.today
        return onSeparateThreads(writers) { writer in
            do {
                let ledger = try Ledger(path: path, clock: .fixed(now))
                let plan = UploadPlanner.planOnDay(files: files(filesEach, size: 1000, firstIndex: 1000 * (writer + 1)),
                                                   day: today, limits: limits,
                                                   used: try ledger.usage(from: today, days: 1))
                return .booked(try ledger.reserve(plan: plan, bundleID: "bundle-\(writer)").rows)
            } catch let error as LedgerError {
                return error.isQuotaRefusal ? .refused(error) : .failed(error.description)
            } catch {
                return .failed("\(error)")
            }
        }
    }

    @Test func twentyWritersNeverBookADayPastItsQuota() throws {
        let directory = try Scratch()
        let path = directory.file("shared/ledger.sqlite")
        let limits = try QuotaLimits(filesPerDay: 5)
        // The ledger file does not exist yet: the writers also race to create its schema.
        let outcomes = race(path: path, writers: 20, filesEach: 1, limits: limits)
        let failures = outcomes.compactMap { if case .failed(let message) = $0 { message } else { nil } }
        #expect(failures.isEmpty, "\(failures)")
        let winners = outcomes.filter { if case .booked = $0 { true } else { false } }
        let losers = outcomes.compactMap { if case .refused(let error) = $0 { error } else { nil } }
        #expect(winners.count == 5)
        #expect(losers.count == 15)
        for error in losers {
            guard case .quotaExceeded(_, let days) = error.kind else { continue }
            #expect(days.map(\.day) == [today])
            #expect(days.first?.after.files == 6)
            #expect(error.ledgerPath == path)
        }
        let ledger = try Ledger(path: path, clock: .fixed(now))
        #expect(try ledger.status(day: today).usage.files == 5)
        #expect(try ledger.status(day: today).entries.count == 5)
    }

    @Test func twoFileBookingsFromTwentyWritersLeaveNoDayPastItsQuota() throws {
        let directory = try Scratch()
        let path = directory.file("ledger.sqlite")
        let limits = try QuotaLimits(filesPerDay: 5)
        _ = try Ledger(path: path, clock: .fixed(now))
        let outcomes = race(path: path, writers: 20, filesEach: 2, limits: limits)
        let booked = outcomes.compactMap { if case .booked(let rows) = $0 { rows } else { nil } }
        let refused = outcomes.filter { if case .refused = $0 { true } else { false } }
        // Two bookings of two files fill four of five places; a third would need six.
        #expect(booked == [2, 2])
        #expect(refused.count == 18)
        let usage = try Ledger(path: path).usage(from: today, days: 1)
        #expect(usage[today]?.files == 4)
    }

    @Test func writersThatReplanAfterARefusalAllGetBookedWithinTheQuota() throws {
        let directory = try Scratch()
        let path = directory.file("ledger.sqlite")
        let limits = try QuotaLimits(filesPerDay: 5)
        let now = self.now, today = self.today
        let outcomes = onSeparateThreads(20) { writer -> Outcome in
            do {
                let ledger = try Ledger(path: path, clock: .fixed(now))
                let input = files(1, size: 1000, firstIndex: 1000 * (writer + 1))
                // What `koopack bundle` does on a refusal: read the ledger again and re-plan.
                // Each refusal means another writer booked, so 20 attempts always suffice.
                for _ in 0..<20 {
                    let plan = UploadPlanner.plan(files: input, limits: limits, startDay: today,
                                                  used: try ledger.usage(from: today, days: 30))
                    do {
                        return .booked(try ledger.reserve(plan: plan, bundleID: "bundle-\(writer)").rows)
                    } catch let error as LedgerError where error.isQuotaRefusal {
                        continue
                    }
                }
                return .failed("no room after 20 attempts")
            } catch {
                return .failed("\(error)")
            }
        }
        let failures = outcomes.compactMap { if case .failed(let message) = $0 { message } else { nil } }
        #expect(failures.isEmpty, "\(failures)")
        let usage = try Ledger(path: path).usage(from: today, days: 30)
        // Twenty files at five a day: exactly four days, each full, none past the quota.
        #expect(usage.keys.sorted().map(\.description) == ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"])
        #expect(usage.values.allSatisfy { $0.files == 5 })
    }
}
