import Findings
import QuotaLedger
import ReleaseBundle
import ReleasePolicy

/// `koopack bundle` in text: the release's review, the upload quota's findings, and the
/// bundle written.
enum BundleText {
    /// Each section of the review (its title and verdict, then its findings most severe
    /// first), then the quota's findings under `upload quota` when there are any. An image
    /// known only by its ID is `unchecked`, never `eligible`.
    static func review(_ review: ReleaseReview, quota: [Finding], strict: Bool = false) -> String {
        var out = ""
        for section in review.sections {
            let verdict = CheckText.colored(Verdict(findings: section.findings, strict: strict))
            out += "\(Terminal.bold(section.title)): \(verdict)\n" + FindingLines.render(section.findings)
        }
        return out + quotaFindings(quota)
    }

    /// `upload quota` and the findings, or nothing when there are none.
    static func quotaFindings(_ findings: [Finding]) -> String {
        findings.isEmpty ? "" : "upload quota\n" + FindingLines.render(findings)
    }

    /// The bundle's folder, ID, files and size, then each day with its files and size.
    static func written(_ bundle: BundleWritten) -> String {
        let manifest = bundle.manifest
        let bytes = manifest.files.reduce(UInt64(0)) { $0 + $1.size }
        var out = "bundle \(Terminal.bold(bundle.path)) (\(manifest.bundleID)): \(manifest.files.count) files, \(Sizes.describe(bytes))\n"
        for day in manifest.days {
            let files = manifest.files.filter { $0.day == day }
            let dayBytes = files.reduce(UInt64(0)) { $0 + $1.size }
            out += "  \(day.directory)  \(day.date) (\(manifest.timeZone)): \(files.count) file\(files.count == 1 ? "" : "s"), \(Sizes.describe(dayBytes))\n"
        }
        out += "reserved in ledger \(bundle.ledgerPath)\n"
        for old in bundle.superseded {
            out += "superseded bundle \(old.bundleID) of the same release: \(old.cancelled) reservation\(old.cancelled == 1 ? "" : "s") cancelled (its folder is left as it is)\n"
        }
        return out
    }
}
