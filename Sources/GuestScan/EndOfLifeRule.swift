#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Findings

extension LifecycleDate {
    /// Today's date in UTC, by the system clock: the day KG415 judges end of life against when
    /// the caller gives none.
    public static var today: LifecycleDate { LifecycleDate(secondsSince1970: Int64(time(nil))) }
}

/// KG415: the guest's OS release is past its end of life on `today` (injectable, so tests and
/// reproducible runs can fix the day). A release the tables do not know is not judged.
enum EndOfLifeRule {
    static func findings(os: OSRelease, path: String, today: LifecycleDate) -> [Finding] {
        guard let end = OSLifecycles.endOfLife(osRelease: os, today: today), end.hasEnded, let date = end.date else { return [] }
        return [Finding(.osEndOfLife,
                        message: "\(path): \(end.distribution) \(end.release) reached its end of life on \(date) (\(end.source)); it gets no more security updates",
                        evidence: [("file", path), ("key", "ID=\(os.id ?? ""), VERSION_ID=\(os.versionID ?? "")"),
                                   ("end of life", date.description), ("source", end.source), ("today", today.description)])]
    }
}
