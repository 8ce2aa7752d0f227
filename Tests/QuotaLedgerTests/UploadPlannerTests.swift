import Foundation
import Testing
import Findings
import ReleaseBundle
@testable import QuotaLedger

@Suite("Upload planner and quota findings (KG301-KG303)")
struct UploadPlannerTests {
    let today = day("2026-11-25")
    let quota = QuotaLimits.koogallery

    // MARK: Files per day (KG301)

    @Test func exactlyOneHundredFilesFitOneDay() {
        let plan = UploadPlanner.plan(files: files(100, size: 1000), limits: quota, startDay: today)
        #expect(plan.days.count == 1)
        #expect(plan.days.first?.day == today)
        #expect(plan.days.first?.files.count == 100)
        #expect(plan.breaches.isEmpty)
        #expect(plan.check().isEmpty)
    }

    @Test func theHundredAndFirstFileMovesToTheNextDay() {
        let plan = UploadPlanner.plan(files: files(101, size: 1000), limits: quota, startDay: today)
        #expect(plan.days.map(\.day.description) == ["2026-11-25", "2026-11-26"])
        #expect(plan.days.map(\.files.count) == [100, 1])
        // Ties on size are broken by name: the last name is the one that waits.
        #expect(plan.day(ofFileNamed: "f100")?.description == "2026-11-26")
        #expect(plan.check().isEmpty)
    }

    @Test func checkFindsKG301OnADayForcedPastOneHundredFiles() throws {
        let forced = UploadPlanner.planOnDay(files: files(101, size: 1000), day: today, limits: quota)
        let breaches = forced.check(quota)
        #expect(breaches.count == 1)
        let breach = try #require(breaches.first)
        guard case let .dayOverFileQuota(excess) = breach else { Issue.record("\(breach)"); return }
        #expect(excess.day == today && excess.after.files == 101 && excess.limits.filesPerDay == 100)
        let finding = breach.finding
        #expect(finding.ruleID.rawValue == "KG301")
        #expect(finding.severity == .error)
        #expect(finding.evidence("day") == "2026-11-25")
        #expect(finding.evidence("files") == "101")
        #expect(finding.evidence("filesPerDay") == "100")
        #expect(finding.message.contains("101 files"))
        #expect(finding.remedy != nil)
        // The near miss: 100 forced files are fine.
        #expect(UploadPlanner.planOnDay(files: files(100, size: 1000), day: today, limits: quota).check().isEmpty)
    }

    // MARK: Bytes per day (KG302)

    @Test func exactlyTenBillionBytesFitOneDay() {
        let input = [file("a", 4_000_000_000, index: 1), file("b", 3_000_000_000, index: 2),
                     file("c", 2_000_000_000, index: 3), file("d", 1_000_000_000, index: 4)]
        let plan = UploadPlanner.plan(files: input, limits: quota, startDay: today)
        #expect(plan.days.count == 1)
        #expect(plan.addedBytes == 10_000_000_000)
        #expect(plan.days.first?.usageAfter.bytes == 10_000_000_000)
        #expect(plan.check().isEmpty)
    }

    @Test func oneMoreByteMovesAFileToTheNextDay() {
        let input = [file("a", 4_000_000_000, index: 1), file("b", 3_000_000_000, index: 2),
                     file("c", 2_000_000_000, index: 3), file("d", 1_000_000_000, index: 4), file("e", 1, index: 5)]
        let plan = UploadPlanner.plan(files: input, limits: quota, startDay: today)
        #expect(plan.days.count == 2)
        // First-fit decreasing: the four big files fill today exactly; the one byte waits.
        #expect(plan.days.first?.files.map(\.name) == ["a", "b", "c", "d"])
        #expect(plan.day(ofFileNamed: "e")?.description == "2026-11-26")
        #expect(plan.check().isEmpty)
    }

    @Test func checkFindsKG302OnADayForcedPastTenBillionBytes() throws {
        let input = [file("a", 5_000_000_000, index: 1), file("b", 5_000_000_001, index: 2)]
        let breaches = UploadPlanner.planOnDay(files: input, day: today, limits: quota).check(quota)
        let breach = try #require(breaches.first)
        guard case let .dayOverByteQuota(excess) = breach else { Issue.record("\(breach)"); return }
        #expect(excess.after.bytes == 10_000_000_001 && excess.limits.bytesPerDay == 10_000_000_000)
        let finding = breach.finding
        #expect(breaches.map(\.finding.ruleID.rawValue) == ["KG302"])
        #expect(finding.evidence("bytes") == "10000000001")
        #expect(finding.evidence("bytesPerDay") == "10000000000")
        #expect(finding.message.contains("10,000,000,001 bytes"))
        let nearMiss = [file("a", 5_000_000_000, index: 1), file("b", 5_000_000_000, index: 2)]
        #expect(UploadPlanner.planOnDay(files: nearMiss, day: today, limits: quota).check(quota).isEmpty)
    }

    // MARK: One file over a whole day (KG303)

    @Test func aFileOfTenBillionAndOneBytesIsKG303AndLeftOut() throws {
        let big = file("disk.qcow2", 10_000_000_001, index: 1, role: "image")
        let plan = UploadPlanner.plan(files: [big, file("eula.txt", 2000, index: 2)], limits: quota, startDay: today)
        #expect(plan.leftOut == [big])
        #expect(plan.files.map(\.name) == ["eula.txt"])
        let breach = try #require(plan.breaches.first)
        #expect(plan.breaches.count == 1)
        #expect(breach == .fileOverDailyQuota(name: "disk.qcow2", size: 10_000_000_001, sha256: big.sha256, bytesPerDay: 10_000_000_000))
        let finding = breach.finding
        #expect(finding.ruleID.rawValue == "KG303")
        #expect(finding.ruleName == "file-over-daily-quota")
        #expect(finding.evidence("file") == "disk.qcow2")
        #expect(finding.evidence("size") == "10000000001")
        #expect(finding.message.contains("10,000,000,001"))
        #expect(plan.allBreaches.map(\.finding.ruleID.rawValue) == ["KG303"])
    }

    @Test func aFileOfExactlyTheDailyQuotaIsPlannedOnADayOfItsOwn() {
        let whole = file("disk.qcow2", 10_000_000_000, index: 1)
        let plan = UploadPlanner.plan(files: [whole, file("eula.txt", 2000, index: 2)], limits: quota, startDay: today)
        #expect(plan.breaches.isEmpty)
        #expect(plan.leftOut.isEmpty)
        #expect(plan.days.map(\.files.count) == [1, 1])
        #expect(plan.day(ofFileNamed: "disk.qcow2") == today)
    }

    @Test func checkFindsKG303ForAForcedOversizedFile() {
        let forced = UploadPlanner.planOnDay(files: [file("disk.qcow2", 10_000_000_001, index: 1)], day: today, limits: quota)
        #expect(forced.breaches.isEmpty)
        #expect(forced.check().map(\.finding.ruleID.rawValue) == ["KG303", "KG302"])
    }

    // MARK: What the ledger already holds

    @Test func bytesAlreadyUsedTodayPushFilesToTomorrow() {
        let used = [today: DayUsage(files: 3, bytes: 9_500_000_000, sha256s: [digest(900), digest(901), digest(902)])]
        let input = [file("big", 1_000_000_000, index: 1), file("small", 400_000_000, index: 2)]
        let plan = UploadPlanner.plan(files: input, limits: quota, startDay: today, used: used)
        #expect(plan.day(ofFileNamed: "big")?.description == "2026-11-26")
        #expect(plan.day(ofFileNamed: "small")?.description == "2026-11-25")
        #expect(plan.days.first?.usedBefore.bytes == 9_500_000_000)
        #expect(plan.days.first?.usageAfter.bytes == 9_900_000_000)
        #expect(plan.check().isEmpty)
        // The same files forced onto today pass the byte quota once the ledger is counted.
        let forced = UploadPlanner.planOnDay(files: input, day: today, limits: quota, used: used)
        #expect(forced.check().map(\.finding.ruleID.rawValue) == ["KG302"])
    }

    @Test func filesAlreadyUsedTodayPushFilesToTomorrow() {
        let used = [today: DayUsage(files: 99, bytes: 99_000)]
        let plan = UploadPlanner.plan(files: files(3, size: 10), limits: quota, startDay: today, used: used)
        #expect(plan.days.map(\.files.count) == [1, 2])
        #expect(plan.days.map(\.day.description) == ["2026-11-25", "2026-11-26"])
        let forced = UploadPlanner.planOnDay(files: files(2, size: 10), day: today, limits: quota, used: used)
        #expect(forced.check().map(\.finding.ruleID.rawValue) == ["KG301"])
    }

    @Test func aFullDayInTheLedgerIsSkipped() {
        let used = [today: DayUsage(files: 100, bytes: 100)]
        let plan = UploadPlanner.plan(files: files(2, size: 10), limits: quota, startDay: today, used: used)
        #expect(plan.days.map(\.day.description) == ["2026-11-26"])
    }

    @Test func theSameSHA256AlreadyCountedTodayCostsNothingMore() {
        // Today is full, but one of the files was already counted today: it goes up today for free.
        var counted = Set((0..<99).map { digest(500 + $0) })
        counted.insert(digest(1))
        let used = [today: DayUsage(files: 100, bytes: 10_000_000_000, sha256s: counted)]
        let input = [file("again.iso", 5_000_000_000, index: 1), file("new.txt", 10, index: 2)]
        let plan = UploadPlanner.plan(files: input, limits: quota, startDay: today, used: used)
        #expect(plan.day(ofFileNamed: "again.iso") == today)
        #expect(plan.day(ofFileNamed: "new.txt")?.description == "2026-11-26")
        #expect(plan.days.first?.added == .zero)
        #expect(plan.addedFiles == 1)
        #expect(plan.addedBytes == 10)
        #expect(plan.check().isEmpty)
    }

    @Test func identicalFilesInOnePlanCountOnce() {
        // 101 entries but only 100 distinct digests: one day.
        var input = files(100, size: 1000)
        input.append(UploadFile(name: "copy-of-f000", size: 1000, sha256: digest(1), role: "document"))
        let plan = UploadPlanner.plan(files: input, limits: quota, startDay: today)
        #expect(plan.days.count == 1)
        #expect(plan.files.count == 101)
        #expect(plan.addedFiles == 100)
        #expect(plan.check().isEmpty)
        // Upper-case hex is the same digest.
        let upper = UploadFile(name: "upper", size: 1000, sha256: digest(1).uppercased(), role: "document")
        #expect(UploadPlanner.plan(files: input + [upper], limits: quota, startDay: today).addedFiles == 100)
    }

    @Test func identicalRealFilesShareOneDigestAndOneCount() throws {
        let directory = try Scratch()
        let text = Array("End-user licence agreement, version 1\n".utf8)
        let guide = Array("# User guide\nOpen port 443.\n".utf8)
        let paths = [
            try directory.write("eula.txt", text),
            try directory.write("eula-copy.txt", text),
            try directory.write("guide.md", guide),
        ]
        let input = try paths.map { try uploadFile(atPath: $0, role: "document") }
        #expect(input[0].sha256 == input[1].sha256)
        #expect(input[0].hasValidSHA256)
        let plan = UploadPlanner.plan(files: input, limits: try QuotaLimits(filesPerDay: 2), startDay: today)
        #expect(plan.days.count == 1)
        #expect(plan.addedFiles == 2)
        #expect(plan.addedBytes == UInt64(text.count + guide.count))
    }

    // MARK: Packing

    @Test func packingIsFirstFitDecreasingWithTiesBrokenByName() throws {
        let tight = try QuotaLimits(filesPerDay: 100, bytesPerDay: 10)
        let input = [file("two", 2, index: 1), file("six", 6, index: 2), file("five-b", 5, index: 3),
                     file("four", 4, index: 4), file("five-a", 5, index: 5), file("three", 3, index: 6)]
        let plan = UploadPlanner.plan(files: input, limits: tight, startDay: today)
        // Worked by hand: 6 -> day 1; 5a -> day 2 (11 > 10); 5b -> day 2 (10); 4 -> day 1 (10);
        // 3 -> day 3; 2 -> day 3.
        #expect(plan.days.map { $0.files.map(\.name) } == [["six", "four"], ["five-a", "five-b"], ["three", "two"]])
        #expect(plan.check().isEmpty)
    }

    @Test func planningDoesNotDependOnTheInputOrder() {
        var generator = SeededGenerator(seed: 7)
        let input = (0..<250).map { file("file-\($0)", UInt64.random(in: 1...900_000_000, using: &generator), index: $0 + 1) }
        let reference = UploadPlanner.plan(files: input, limits: quota, startDay: today)
        for _ in 0..<5 {
            #expect(UploadPlanner.plan(files: input.shuffled(using: &generator), limits: quota, startDay: today) == reference)
        }
    }

    @Test func thePlannerNeverMakesADayThatCheckRejects() throws {
        var generator = SeededGenerator(seed: 42)
        for round in 0..<60 {
            let files = Int.random(in: 1...8, using: &generator)
            let bytes = UInt64.random(in: 1...1000, using: &generator)
            let limits = try QuotaLimits(filesPerDay: files, bytesPerDay: bytes)
            let count = Int.random(in: 0...60, using: &generator)
            // Some digests repeat (identical files, so identical sizes), some sizes pass the day's quota.
            let sizes = (0...(count + 1)).map { _ in UInt64.random(in: 0...(bytes + bytes / 4), using: &generator) }
            let input = (0..<count).map { number in
                let index = Int.random(in: 1...(count + 1), using: &generator)
                return file("r\(round)-\(number)", sizes[index], index: index)
            }
            var used: [UploadDay: DayUsage] = [:]
            for offset in 0..<3 {
                let usage = DayUsage(files: Int.random(in: 0...files, using: &generator),
                                     bytes: UInt64.random(in: 0...bytes, using: &generator),
                                     sha256s: [digest(Int.random(in: 1...(count + 1), using: &generator))])
                used[try #require(today.adding(days: offset))] = usage
            }
            let plan = UploadPlanner.plan(files: input, limits: limits, startDay: today, used: used)
            #expect(plan.check().isEmpty, "round \(round)")
            #expect(plan.files.count + plan.leftOut.count == input.count)
            #expect(plan.leftOut.allSatisfy { $0.size > bytes })
            #expect(plan.breaches.allSatisfy { $0.finding.ruleID.rawValue == "KG303" })
            #expect(plan.days.allSatisfy { $0.day >= today })
        }
    }

    @Test func anEmptyListPlansNothing() {
        let plan = UploadPlanner.plan(files: [], limits: quota, startDay: today)
        #expect(plan.days.isEmpty)
        #expect(plan.lastDay == nil)
        #expect(plan.check().isEmpty)
        #expect(UploadPlanner.planOnDay(files: [], day: today, limits: quota).days.isEmpty)
    }
}

/// A small deterministic generator (SplitMix64), so that randomised tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
