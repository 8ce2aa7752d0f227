import Findings
import ImagePackage

/// KG409: whether the guest's os-release agrees with the image's IMS metadata. The comparison is
/// tolerant, because IMS writes free text (`__platform` `Ubuntu`, `__os_version`
/// `Ubuntu 22.04 server 64bit`) where os-release writes identifiers:
/// - `__platform` agrees when, lower-cased with only letters and digits kept, it contains or is
///   contained in (when at least 3 characters) os-release's `ID`, `NAME` or `PRETTY_NAME` (`Red Hat` ~ `Red Hat Enterprise
///   Linux`, `CentOS` ~ `centos`, `Huawei Cloud EulerOS` ~ `hce`... by `NAME`). `Other` and an
///   absent value agree with anything.
/// - `__os_version` agrees when it contains `VERSION_ID` as a whole number: not preceded by a
///   digit or a dot, not followed by a digit (`22.04` in `Ubuntu 22.04.3 64bit`, `12` in
///   `Debian 12.5`, but not `7` in `CentOS 8.7`). No `VERSION_ID` (a rolling release) agrees.
enum OSMetadataCheck {
    static func findings(os: OSRelease, metadata: IMSMetadata?) -> [Finding] {
        guard let metadata else { return [] }
        var evidence: [(String, String)] = [("os-release ID", os.id ?? ""), ("os-release VERSION_ID", os.versionID ?? "")]
        var problems: [String] = []
        if let platform = metadata.platform, !platformAgrees(platform, os: os) {
            problems.append("__platform \"\(platform)\" is not \(os.name ?? os.id ?? "the guest's OS")")
            evidence.append(("__platform", platform))
        }
        if let version = metadata.osVersion, let versionID = os.versionID, !versionAgrees(version, versionID: versionID) {
            problems.append("__os_version \"\(version)\" does not contain version \(versionID)")
            evidence.append(("__os_version", version))
        }
        guard !problems.isEmpty else { return [] }
        let guestName = os.prettyName ?? [os.id, os.versionID].compactMap { $0 }.joined(separator: " ")
        return [Finding(.osMismatch,
                        message: "the guest is \(guestName), but the metadata disagrees: " + problems.joined(separator: "; "),
                        evidence: evidence)]
    }

    static func platformAgrees(_ platform: String, os: OSRelease) -> Bool {
        let wanted = normalise(platform)
        if wanted.isEmpty || wanted == "other" { return true }
        for candidate in [os.id, os.name, os.prettyName].compactMap({ $0 }).map(normalise) where !candidate.isEmpty {
            if candidate.contains(wanted) || (candidate.count >= 3 && wanted.contains(candidate)) { return true }
        }
        return false
    }

    static func versionAgrees(_ version: String, versionID: String) -> Bool {
        let haystack = Array(version.lowercased().unicodeScalars)
        let needle = Array(versionID.lowercased().unicodeScalars)
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        let isDigit = { (s: Unicode.Scalar) in s >= "0" && s <= "9" }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            let before = start > 0 ? haystack[start - 1] : nil
            let after = start + needle.count < haystack.count ? haystack[start + needle.count] : nil
            if let before, isDigit(before) || before == "." { continue }
            if let after, isDigit(after) { continue }
            return true
        }
        return false
    }

    /// Lower case, letters and digits only.
    static func normalise(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") }.map(Character.init))
    }
}
