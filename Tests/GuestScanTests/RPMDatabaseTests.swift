import Foundation
import Testing
import DiskImage
@testable import GuestScan

/// A real rpmdb.sqlite made by rpm itself: packages built with rpmbuild, recorded with
/// `rpm -i --justdb` into a fresh SQLite database.
final class RPMFixture: @unchecked Sendable {
    let scratch: Scratch
    let database: String
    /// `NAME EPOCH VERSION RELEASE ARCH` lines as `rpm -qa --qf` prints them.
    let expected: [String]

    static var available: Bool { Tool.exists("rpm", "rpmbuild") }

    static let shared: Result<RPMFixture, TestFailure> = {
        do { return .success(try RPMFixture()) } catch { return .failure(TestFailure("\(error)")) }
    }()

    private init() throws {
        scratch = try Scratch()
        let top = scratch.file("rpmbuild")
        let specs: [(name: String, epoch: String?, version: String, release: String, arch: String)] = [
            ("koopack-hello", "2", "1.2.3", "4.el9", "noarch"),
            ("libkoo++", nil, "0.9+git20240101", "1.el9_4", "x86_64"),
            ("koopack-tool", nil, "3.0", "1", "noarch"),
        ]
        let defines = ["--define", "_topdir \(top)", "--define", "_db_backend sqlite", "--define", "__os_install_post %{nil}"]
        var rpms: [String] = []
        for spec in specs {
            let file = scratch.file("\(spec.name).spec")
            try Data("""
                Name: \(spec.name)
                Version: \(spec.version)
                Release: \(spec.release)
                \(spec.epoch.map { "Epoch: \($0)" } ?? "")
                Summary: a package for koopack's tests
                License: MIT
                BuildArch: \(spec.arch)
                %description
                A package with no files, for koopack's rpmdb tests.
                %files

                """.utf8).write(to: URL(fileURLWithPath: file))
            try Tool.run("rpmbuild", ["-bb", "--quiet", "--target", spec.arch] + defines + [file])
            let built = "\(top)/RPMS/\(spec.arch)/\(spec.name)-\(spec.version)-\(spec.release).\(spec.arch).rpm"
            guard FileManager.default.fileExists(atPath: built) else { throw TestFailure("rpmbuild made no \(built)") }
            rpms.append(built)
        }
        let db = scratch.file("db")
        try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
        try Tool.run("rpm", ["--initdb", "--dbpath", db, "--define", "_db_backend sqlite"])
        try Tool.run("rpm", ["-i", "--justdb", "--nodeps", "--ignorearch", "--ignoreos", "--dbpath", db,
                              "--define", "_db_backend sqlite"] + rpms)
        database = db + "/rpmdb.sqlite"
        let listed = try Tool.run("rpm", ["-qa", "--dbpath", db, "--define", "_db_backend sqlite",
                                           "--qf", "%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}\\n"])
        expected = listed.split(separator: "\n").map(String.init).sorted()
    }

    static func get() throws -> RPMFixture { try shared.get() }
}

@Suite struct RPMDatabaseTests {
    @Test(.enabled(if: RPMFixture.available, "rpm and rpmbuild are not installed"))
    func packagesReadFromRpmdbSqliteAreTheOnesRpmLists() throws {
        let fixture = try RPMFixture.get()
        let bytes = try #require(FileManager.default.contents(atPath: fixture.database))
        // rpm leaves its database in WAL mode (header bytes 18 and 19 = 2): koopack reads it so.
        #expect(bytes[18] == 2 && bytes[19] == 2)
        let packages = try RPMDatabase.packages(fromSQLite: [UInt8](bytes))
        // rpm allows no "-" in VERSION or RELEASE, so "V-R" splits back into rpm's two fields.
        let got = packages.map { "\($0.name) \($0.epoch ?? "(none)") \($0.version.replacingOccurrences(of: "-", with: " ")) \($0.architecture ?? "")" }
        #expect(got.sorted() == fixture.expected)
        let hello = try #require(packages.first { $0.name == "koopack-hello" })
        #expect(hello.fullVersion == "2:1.2.3-4.el9")
        #expect(hello.source == "koopack-hello-1.2.3-4.el9.src.rpm")
        let rhel = OSRelease.parse(Array("ID=\"rhel\"\nVERSION_ID=\"9.4\"\n".utf8))
        #expect(PackageURL.of(hello, os: rhel) == "pkg:rpm/rhel/koopack-hello@1.2.3-4.el9?arch=noarch&distro=rhel-9.4&epoch=2")
        let lib = try #require(packages.first { $0.name == "libkoo++" })
        #expect(PackageURL.of(lib, os: rhel) == "pkg:rpm/rhel/libkoo%2B%2B@0.9%2Bgit20240101-1.el9_4?arch=x86_64&distro=rhel-9.4")
    }

    @Test(.enabled(if: RPMFixture.available && Tool.exists("mkfs.ext4"), "rpm, rpmbuild or mkfs.ext4 is not installed"))
    func aRHELGuestsSBOMComesFromItsRpmdbAndABerkeleyDBIsNamedNotRead() throws {
        let fixture = try RPMFixture.get()
        var tree = GuestTrees.clean()
        tree.file("/usr/lib/os-release", "NAME=\"Red Hat Enterprise Linux\"\nVERSION_ID=\"9.4\"\nID=\"rhel\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n")
        tree.file("/usr/lib/sysimage/rpm/rpmdb.sqlite", bytes: [UInt8](try #require(FileManager.default.contents(atPath: fixture.database))))
        tree.symlink("/var/lib/rpm", "../../usr/lib/sysimage/rpm")
        let report = try scanTree(tree, includePackages: true)
        let packages = try #require(report.packages)
        #expect(packages.databases == ["/var/lib/rpm/rpmdb.sqlite"], "the symlinked directory is read once")
        #expect(packages.packages.count == fixture.expected.count)
        let document = CycloneDX.document(packages: packages.packages, os: report.os, info: testDocument)
        #expect(document.serialized().contains("pkg:rpm/rhel/koopack-tool@3.0-1?arch=noarch&distro=rhel-9.4"))

        var old = GuestTrees.clean()
        old.file("/var/lib/rpm/Packages", bytes: [0, 0, 0, 0, 0x61, 0x15, 0x06, 0x00] + [UInt8](repeating: 0, count: 4088))
        let oldReport = try scanTree(old, includePackages: true)
        #expect(oldReport.packages?.packages.isEmpty == true)
        #expect(oldReport.packages?.notes.first?.contains("Berkeley DB") == true)
    }

    @Test(.enabled(if: RPMFixture.available, "rpm and rpmbuild are not installed"))
    func aHeaderFromAnRPMFileParsesAfterItsMagic() throws {
        let fixture = try RPMFixture.get()
        // An .rpm file: 96-byte lead, signature header (padded to 8), then the main header.
        let rpm = try #require(FileManager.default.contents(atPath: fixture.scratch.file("rpmbuild/RPMS/noarch/koopack-tool-3.0-1.noarch.rpm")))
        let bytes = [UInt8](rpm)
        let sigIL = Int(UInt32(bytes[104]) << 24 | UInt32(bytes[105]) << 16 | UInt32(bytes[106]) << 8 | UInt32(bytes[107]))
        let sigDL = Int(UInt32(bytes[108]) << 24 | UInt32(bytes[109]) << 16 | UInt32(bytes[110]) << 8 | UInt32(bytes[111]))
        var main = 96 + 16 + sigIL * 16 + sigDL
        main = (main + 7) / 8 * 8
        let header = try RPMHeader(Array(bytes[main...]))
        #expect(try header.string(.name) == "koopack-tool")
        #expect(try header.string(.version) == "3.0")
        #expect(try header.string(.release) == "1")
        #expect(try header.string(.arch) == "noarch")
        #expect(try header.string(.epoch) == nil)
    }

    @Test func aNonSQLiteOrDamagedDatabaseIsACleanError() throws {
        #expect(throws: ImageError.self) { try RPMDatabase.packages(fromSQLite: Array(repeating: 0, count: 4096)) }
        var fake = Array("SQLite format 3\0".utf8) + [UInt8](repeating: 0xFF, count: 4080)
        fake[16] = 0x10; fake[17] = 0x00
        #expect(throws: ImageError.self) { try RPMDatabase.packages(fromSQLite: fake) }
    }
}

/// Hostile RPM header blobs, built in memory from the format: each must be a clean error.
@Suite struct RPMHeaderHostileTests {
    /// A header blob with `entries` (tag, type, offset, count) and `data`.
    static func blob(_ entries: [(UInt32, UInt32, UInt32, UInt32)], data: [UInt8], il: UInt32? = nil, dl: UInt32? = nil) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
        var out = be(il ?? UInt32(entries.count)) + be(dl ?? UInt32(data.count))
        for e in entries { out += be(e.0) + be(e.1) + be(e.2) + be(e.3) }
        return out + data
    }

    static let good = blob([(1000, 6, 0, 1), (1001, 6, 4, 1), (1002, 6, 8, 1), (1003, 4, 12, 1), (1022, 6, 16, 1)],
                           data: Array("foo\01.0\03\0\0\0".utf8) + [0, 0, 0, 7] + Array("x86_64\0".utf8))

    @Test func aWellFormedBlobGivesItsPackage() throws {
        let package = try #require(try RPMHeader(Self.good).package())
        #expect(package == InstalledPackage(manager: .rpm, name: "foo", version: "1.0-3", epoch: "7", architecture: "x86_64"))
    }

    @Test func truncatedAtEveryBoundaryIsAnError() {
        for length in [0, 4, 7, 8, 20, Self.good.count - 1] {
            #expect(throws: ImageError.self, "length \(length)") { _ = try RPMHeader(Array(Self.good.prefix(length))) }
        }
    }

    @Test func countsInTheMillionsAreRefusedBeforeAnyAllocation() {
        let message = imageErrorMessage { _ = try RPMHeader(Self.blob([], data: [], il: 5_000_000)) }
        #expect(message?.contains("RPM header index count at offset 0") == true, "\(message ?? "")")
        let data = imageErrorMessage { _ = try RPMHeader(Self.blob([], data: [], dl: 0xFFFF_FFF0)) }
        #expect(data?.contains("RPM header data length at offset 4") == true, "\(data ?? "")")
    }

    @Test func anOffsetPastTheDataStoreIsAnError() {
        let message = imageErrorMessage { _ = try RPMHeader(Self.blob([(1000, 6, 99, 1)], data: Array("foo\0".utf8))) }
        #expect(message?.contains("offset") == true && message?.contains("99") == true, "\(message ?? "")")
    }

    @Test func anUnterminatedStringIsAnError() throws {
        let header = try RPMHeader(Self.blob([(1000, 6, 0, 1)], data: Array("foo".utf8)))
        #expect(throws: ImageError.self) { _ = try header.string(.name) }
    }

    @Test func anInt32PastTheEndIsAnError() throws {
        let header = try RPMHeader(Self.blob([(1000, 6, 0, 1), (1001, 6, 0, 1), (1003, 4, 2, 1)], data: Array("foo\0".utf8)))
        #expect(throws: ImageError.self) { _ = try header.package() }
    }
}

/// The message of the `ImageError` `body` throws, or nil when it throws none.
func imageErrorMessage(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as ImageError { return error.message } catch { return "non-ImageError: \(error)" }
    return nil
}
