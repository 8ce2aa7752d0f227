import Foundation
import Testing
@testable import GuestScan

/// KG415's end-of-life tables and their judgement of an os-release on an injected day.
@Suite struct OSLifecycleTests {
    /// testdata/distro-info, found from this file's path.
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/distro-info").path

    /// The rows of a distro-info CSV as dictionaries by column name (the copy under testdata).
    static func rows(_ name: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        return lines.dropFirst().map { fields in
            Dictionary(uniqueKeysWithValues: zip(header, fields + Array(repeating: "", count: max(0, header.count - fields.count))))
        }
    }

    static func date(_ text: String) -> LifecycleDate? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        return parts.count == 3 ? LifecycleDate(parts[0], parts[1], parts[2]) : nil
    }

    @Test func theDebianTableIsTheCSVsEolLtsElseEol() throws {
        let expected = try Self.rows("debian.csv").filter { !($0["version"] ?? "").isEmpty }.map { row in
            (row["version"]!, row["series"]!, Self.date(row["eol-lts"] ?? "") ?? Self.date(row["eol"] ?? ""))
        }
        #expect(OSLifecycles.debian.count == expected.count)
        for (release, (version, series, date)) in zip(OSLifecycles.debian, expected) {
            #expect(release.version == version && release.series == series && release.endOfLife == date, "\(version)")
        }
    }

    @Test func theUbuntuTableIsTheCSVsEolWithoutTheLTSSuffix() throws {
        let expected = try Self.rows("ubuntu.csv").map { row in
            (row["version"]!.replacingOccurrences(of: " LTS", with: ""), row["series"]!, Self.date(row["eol"] ?? ""))
        }
        #expect(OSLifecycles.ubuntu.count == expected.count)
        for (release, (version, series, date)) in zip(OSLifecycles.ubuntu, expected) {
            #expect(release.version == version && release.series == series && release.endOfLife == date, "\(version)")
        }
    }

    static func release(_ text: String) -> OSRelease { OSRelease.parse(Array(text.utf8)) }
    static let today = LifecycleDate(2026, 12, 1)

    @Test func endedReleasesAreJudgedEndedOnTheInjectedDay() throws {
        let ubuntu = try #require(OSLifecycles.endOfLife(osRelease: Self.release("ID=ubuntu\nVERSION_ID=\"18.04\"\n"), today: Self.today))
        #expect(ubuntu.hasEnded && ubuntu.date == LifecycleDate(2023, 5, 31) && ubuntu.distribution == "Ubuntu")
        let centos = try #require(OSLifecycles.endOfLife(osRelease: Self.release("NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n"), today: Self.today))
        #expect(centos.hasEnded && centos.date == LifecycleDate(2024, 6, 30) && centos.source == "https://wiki.centos.org/About/Product")
        let stream = try #require(OSLifecycles.endOfLife(osRelease: Self.release("NAME=\"CentOS Stream\"\nID=\"centos\"\nVERSION_ID=\"8\"\n"), today: Self.today))
        #expect(stream.distribution == "CentOS Stream" && stream.date == LifecycleDate(2024, 5, 31))
        let euler = try #require(OSLifecycles.endOfLife(osRelease: Self.release("NAME=\"openEuler\"\nVERSION=\"22.03 (LTS-SP1)\"\nID=\"openEuler\"\nVERSION_ID=\"22.03\"\n"), today: Self.today))
        #expect(euler.release == "22.03 LTS SP1" && euler.hasEnded)
    }

    @Test func supportedReleasesAreNotEndedAndDebianCountsItsLTS() throws {
        let debian = try #require(OSLifecycles.endOfLife(osRelease: Self.release("ID=debian\nVERSION_ID=\"12\"\n"), today: Self.today))
        #expect(!debian.hasEnded && debian.date == LifecycleDate(2028, 6, 30))
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=debian\nVERSION_ID=\"12\"\n"), today: LifecycleDate(2028, 7, 1))?.hasEnded == true)
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=debian\nVERSION_ID=\"12\"\n"), today: LifecycleDate(2028, 6, 30))?.hasEnded == false)
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=rocky\nVERSION_ID=\"9.3\"\n"), today: Self.today)?.hasEnded == false)
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=\"rhel\"\nVERSION_ID=\"8.10\"\n"), today: Self.today)?.date == LifecycleDate(2029, 5, 31))
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=\"almalinux\"\nVERSION_ID=\"8.9\"\n"), today: Self.today)?.date == LifecycleDate(2029, 3, 1))
        let ubuntu = try #require(OSLifecycles.endOfLife(osRelease: Self.release("ID=ubuntu\nVERSION_ID=\"24.04\"\n"), today: Self.today))
        #expect(!ubuntu.hasEnded)
    }

    @Test func unknownDistributionsVersionsAndEulerOSAreNotJudged() {
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=euleros\nVERSION_ID=\"2.0\"\nVERSION=\"2.0 (SP8)\"\n"), today: Self.today) == nil)
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=linuxmint\nID_LIKE=ubuntu\nVERSION_ID=\"21.3\"\n"), today: Self.today) == nil)
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=debian\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n"), today: Self.today) == nil)
        #expect(OSLifecycles.endOfLife(osRelease: Self.release("ID=rhel\nVERSION_ID=\"10.0\"\n"), today: Self.today) == nil)
        // A release in the table with no date yet is known but not ended.
        let forky = OSLifecycles.endOfLife(osRelease: Self.release("ID=debian\nVERSION_ID=\"14\"\n"), today: Self.today)
        #expect(forky?.date == nil && forky?.hasEnded == false)
    }

    @Test func theDayFromSecondsMatchesFoundationsUTCCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for seconds: Int64 in [0, -1, 86_399, 86_400, 951_782_400, 1_709_164_800, 4_102_444_799, -2_208_988_800, 1_780_000_000] {
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(LifecycleDate(secondsSince1970: seconds) == LifecycleDate(parts.year!, parts.month!, parts.day!), "\(seconds)")
        }
        #expect(LifecycleDate(2024, 6, 30).description == "2024-06-30")
    }
}
