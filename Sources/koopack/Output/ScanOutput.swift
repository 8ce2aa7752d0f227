import DiskImage
import Findings
import GuestScan
import ReleasePolicy

/// `koopack scan` in text: per image, the OS and where its root filesystem is, then the
/// findings most severe first.
enum ScanText {
    static func render(_ results: [ScanResult]) -> String {
        var out = ""
        for result in results {
            let report = result.report
            let worst = report.findings.map(\.severity).max()
            let verdict: String
            switch worst {
            case .error?: verdict = Terminal.red("rejected by the security scan")
            case .warning?: verdict = Terminal.yellow("warnings")
            case .note?, nil:
                // A part of the guest left unscanned (KG410) means nothing is known of it.
                if !report.scanned { verdict = "not scanned" }
                else if report.findings.contains(where: { $0.ruleID == .scanNotDone }) { verdict = Terminal.yellow("partly scanned") }
                else { verdict = Terminal.green("clean") }
            }
            out += "\(Terminal.bold(result.image)): \(verdict)\n"
            var facts: [String] = []
            if let os = report.os { facts.append(os.prettyName ?? [os.id, os.versionID].compactMap { $0 }.joined(separator: " ")) }
            if let root = report.rootFilesystem { facts.append("root on \(root)") }
            if let esp = report.efiSystemPartition { facts.append("EFI system partition \(esp.partition.map(String.init) ?? "?")") }
            if report.scanned { facts.append("\(report.accountCount) accounts, \(report.homes.count) homes") }
            if let file = result.metadataFile { facts.append("metadata \(file)") }
            if !facts.isEmpty { out += "  " + facts.joined(separator: " · ") + "\n" }
            out += FindingLines.lines(report.findings, evidence: false)
            for warning in report.warnings { out += "  not read: \(warning)\n" }
        }
        if results.count > 1 {
            let rejected = results.filter { $0.report.findings.contains { $0.severity == .error } }.count
            out += "\(results.count) images: \(rejected) with errors\n"
        }
        return out
    }
}

/// `koopack scan --format json`: one object per image.
enum ScanJSON {
    static func render(_ results: [ScanResult]) -> JSONValue {
        .array(results.map { result in
            var members: [(String, JSONValue)] = [("image", .string(result.image))]
            if let file = result.metadataFile { members.append(("metadata-file", .string(file))) }
            members += report(result.report)
            return .object(members)
        })
    }

    /// The members of a scan report: `scanned`, `os`, `root-filesystem`, `efi-system-partition`,
    /// `not-readable`, `accounts`, `homes`, `findings`, `warnings`.
    static func report(_ report: ScanReport) -> [(String, JSONValue)] {
        var os: JSONValue = .null
        if let release = report.os {
            os = .object([
                ("id", release.id.map(JSONValue.string) ?? .null),
                ("version-id", release.versionID.map(JSONValue.string) ?? .null),
                ("name", release.name.map(JSONValue.string) ?? .null),
                ("pretty-name", release.prettyName.map(JSONValue.string) ?? .null),
            ])
        }
        return [
            ("scanned", .bool(report.scanned)),
            ("os", os),
            ("root-filesystem", report.rootFilesystem.map(location) ?? .null),
            ("efi-system-partition", report.efiSystemPartition.map(location) ?? .null),
            ("not-readable", .array(report.notReadable.map(JSONValue.string))),
            ("accounts", .int(Int64(report.accountCount))),
            ("homes", .array(report.homes.map(JSONValue.string))),
            ("findings", .array(report.findings.map(JSONOutput.finding))),
            ("warnings", .array(report.warnings.map(JSONValue.string))),
        ]
    }

    static func location(_ l: GuestVolumeLocation) -> JSONValue {
        .object([
            ("partition", l.partition.map { .int(Int64($0)) } ?? .null),
            ("logical-volume", l.logicalVolume.map(JSONValue.string) ?? .null),
            ("filesystem", .string(l.kind.rawValue)),
        ])
    }
}
