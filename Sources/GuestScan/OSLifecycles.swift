import Findings
/// A day in the calendar, without a time zone: lifecycles end on days, and the scan compares
/// them with today's date. Dates compare in calendar order.
public struct LifecycleDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(_ year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The UTC day `seconds` after 1970-01-01, so callers
    /// can pass `Date().timeIntervalSince1970` without a calendar.
    public init(secondsSince1970 seconds: Int64) {
        let (year, month, day) = CivilDays.date(secondsSince1970: seconds)
        self.init(year, month, day)
    }

    public static func < (a: LifecycleDate, b: LifecycleDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `2024-06-30`.
    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// One release of a distribution and the day its free support ends (nil when none is announced).
struct DistroRelease: Sendable {
    var version: String
    /// The codename (`bookworm`) or, for vendor tables, the release's name (`22.03 LTS SP1`).
    var series: String
    var endOfLife: LifecycleDate?
}

/// The end of life KG415 judges an image's OS by.
public struct EndOfLife: Sendable, Equatable, CustomStringConvertible {
    /// The distribution's name as the table knows it (`Ubuntu`, `CentOS Stream`, `openEuler`).
    public var distribution: String
    /// The release (`18.04`, `7`, `22.03 LTS SP1`).
    public var release: String
    /// The day free support ends; nil when the vendor has announced none yet.
    public var date: LifecycleDate?
    /// Where the date comes from: the distro-info-data table, or the vendor's lifecycle page.
    public var source: String
    /// Whether `date` lies before the day the check ran.
    public var hasEnded: Bool

    public var description: String {
        "\(distribution) \(release): " + (date.map { "end of life \($0)\(hasEnded ? " (past)" : "")" } ?? "no end of life announced")
            + " [\(source)]"
    }
}

/// End-of-life dates of the distributions KooGallery sellers build on (KG415): Debian and
/// Ubuntu from distro-info-data (`DistroInfoTable.swift`, generated), the Red Hat family,
/// openEuler and EulerOS from their vendors' published lifecycles (`VendorLifecycles.swift`).
public enum OSLifecycles {
    /// Where the Debian and Ubuntu dates come from.
    static let distroInfoSource = "distro-info-data"

    /// The end of life of the OS `osRelease` describes, judged against `today`; nil when the
    /// distribution or its version is not in the tables (a derivative, a rolling release, a
    /// version newer than the tables, or EulerOS, whose dates koopack has no source for).
    public static func endOfLife(osRelease: OSRelease, today: LifecycleDate) -> EndOfLife? {
        guard let id = osRelease.id?.lowercased(), let versionID = osRelease.versionID else { return nil }
        let major = String(versionID.prefix { $0 != "." })
        let found: (distribution: String, release: DistroRelease, source: String)?
        switch id {
        case "debian":
            // (os-release says `12`; the oldest tables say `6.0`)
            found = debian.first { $0.version == versionID || $0.version == versionID + ".0" }
                .map { ("Debian", $0, distroInfoSource + " debian.csv") }
        case "ubuntu":
            found = ubuntu.first { $0.version == versionID }.map { ("Ubuntu", $0, distroInfoSource + " ubuntu.csv") }
        case "centos":
            let stream = (osRelease.name ?? "").contains("Stream")
            found = (stream ? centOSStream : centOS).first { $0.release.version == major }
                .map { (stream ? "CentOS Stream" : "CentOS Linux", $0.release, $0.source) }
        case "rhel":
            found = redHat.first { $0.release.version == major }.map { ("Red Hat Enterprise Linux", $0.release, $0.source) }
        case "rocky":
            found = rocky.first { $0.release.version == major }.map { ("Rocky Linux", $0.release, $0.source) }
        case "almalinux":
            found = almaLinux.first { $0.release.version == major }.map { ("AlmaLinux", $0.release, $0.source) }
        case "openeuler":
            let name = openEulerRelease(versionID: versionID, version: osRelease["VERSION"])
            found = openEuler.first { $0.release.series == name }.map { ("openEuler", $0.release, $0.source) }
        default:
            found = nil
        }
        guard let found else { return nil }
        return EndOfLife(distribution: found.distribution, release: found.release.series, date: found.release.endOfLife,
                         source: found.source, hasEnded: found.release.endOfLife.map { $0 < today } ?? false)
    }

    /// openEuler's release name from os-release: `VERSION_ID` is the base (`22.03`), `VERSION`
    /// adds the LTS and service pack (`22.03 (LTS-SP1)`, `22.03 LTS`): `22.03 LTS SP1`.
    static func openEulerRelease(versionID: String, version: String?) -> String {
        let text = (version ?? "").uppercased()
        guard text.contains("LTS") else { return versionID }
        var name = "\(versionID) LTS"
        if let sp = text.firstRange(of: "SP") {
            let digits = text[sp.upperBound...].prefix { $0.isNumber }
            if !digits.isEmpty { name += " SP\(digits)" }
        }
        return name
    }
}
