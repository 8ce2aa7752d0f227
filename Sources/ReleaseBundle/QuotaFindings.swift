import Findings
import QuotaLedger

extension QuotaBreach {
    /// The finding that reports this breach (KG301–KG303), the one place a quota breach becomes
    /// a finding for `koopack quota` and `koopack bundle` alike.
    public var finding: Finding {
        switch self {
        case let .dayOverFileQuota(excess):
            return Finding(.quotaFiles, message:
                "Uploads on \(excess.day) (\(excess.limits.timeZoneName)) would total \(excess.after.files) files"
                + " (\(excess.before.files) already used), past the daily quota of \(excess.limits.filesPerDay) files.",
                evidence: QuotaBreach.evidence(excess))
        case let .dayOverByteQuota(excess):
            return Finding(.quotaBytes, message:
                "Uploads on \(excess.day) (\(excess.limits.timeZoneName)) would total \(NumberText.grouped(excess.after.bytes)) bytes"
                + " (\(NumberText.grouped(excess.before.bytes)) already used), past the daily quota of \(NumberText.grouped(excess.limits.bytesPerDay)) bytes.",
                evidence: QuotaBreach.evidence(excess))
        case let .fileOverDailyQuota(name, size, sha256, bytesPerDay):
            var evidence: [(String, String)] = [("file", name), ("size", String(size))]
            if let sha256 { evidence.append(("sha256", sha256)) }
            evidence.append(("bytesPerDay", String(bytesPerDay)))
            return Finding(.fileOverDailyQuota, message:
                "\(name) is \(NumberText.grouped(size)) bytes, more than a whole day's upload quota of \(NumberText.grouped(bytesPerDay)) bytes.",
                evidence: evidence)
        case let .noDayWithRoom(file, startDay, days):
            return Finding(.quotaFiles, message: "\(file) finds no day with room in the \(days) days from \(startDay).",
                           evidence: [("file", file), ("startDay", startDay.description), ("days", String(days))])
        }
    }

    /// What a day over its quota held and would hold, and the limits.
    static func evidence(_ excess: DayExcess) -> [(String, String)] {
        [
            ("day", excess.day.description),
            ("files", String(excess.after.files)), ("bytes", String(excess.after.bytes)),
            ("alreadyUsedFiles", String(excess.before.files)),
            ("alreadyUsedBytes", String(excess.before.bytes)),
            ("filesPerDay", String(excess.limits.filesPerDay)), ("bytesPerDay", String(excess.limits.bytesPerDay)),
        ]
    }
}
