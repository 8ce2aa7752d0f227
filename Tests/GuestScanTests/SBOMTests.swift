import Foundation
import Testing
import DiskImage
import GuestFilesystem
@testable import GuestScan

extension GuestTrees {
    /// `name version architecture` of every installed package in this machine's dpkg database,
    /// as dpkg-query itself reports them.
    static var hostInstalled: [String] {
        (try? dpkgQueryInstalled(admindir: "/var/lib/dpkg")) ?? []
    }

    static var hostInstalledCount: Int { hostInstalled.count }

    /// dpkg-query's list of installed packages in `admindir` (db:Status-Status `installed`).
    static func dpkgQueryInstalled(admindir: String) throws -> [String] {
        let out = try Tool.run("dpkg-query", ["-W", "--admindir=\(admindir)", "-f", "${db:Status-Status} ${Package} ${Version} ${Architecture}\\n"])
        return out.split(separator: "\n").filter { $0.hasPrefix("installed ") }.map { String($0.dropFirst("installed ".count)) }
    }
}

/// A fixed document identity, so SBOM tests compare whole documents.
let testDocument = SBOMDocumentInfo(imageName: "web server+1.qcow2", uuid: "3e671687-395b-41f5-a30f-a58921a69b79",
                                    created: "2024-05-01T12:00:00Z", toolVersion: "0.1.0")

@Suite struct SBOMTests {
    @Test(.enabled(if: Tool.exists("mkfs.ext4", "dpkg-query") && GuestTrees.hostDpkgStatus != nil, "needs mkfs.ext4, dpkg-query and /var/lib/dpkg/status"))
    func theSBOMListsExactlyThePackagesDpkgQueryReportsInstalled() throws {
        var tree = GuestTrees.dirty()
        // Add paragraphs that are not installed: dpkg-query must agree they are left out.
        var status = try #require(GuestTrees.hostDpkgStatus)
        status += Array("""

            Package: removed-but-configured
            Status: deinstall ok config-files
            Priority: optional
            Architecture: amd64
            Version: 1.0-1
            Description: gone, leaving its conffiles

            Package: half-done
            Status: install reinstreq half-installed
            Architecture: amd64
            Version: 2:3.4-5
            Description: interrupted

            Package: held-package
            Status: hold ok installed
            Architecture: all
            Version: 7:1.2+dfsg-3~bpo12+1
            Source: held-source (1.2+dfsg-3)
            Description: held
             continued description line

            """.utf8)
        tree.file("/var/lib/dpkg/status", bytes: status)
        let scratch = try Scratch()
        let root = try tree.write(to: scratch.file("tree"))
        let expected = try GuestTrees.dpkgQueryInstalled(admindir: root + "/var/lib/dpkg")
        let image = try tree.ext4(in: scratch, megabytes: 24)
        let report = GuestScanner.scan(disk: try FileByteSource(path: image), metadata: nil, includePackages: true)
        let packages = try #require(report.packages)
        #expect(packages.databases == ["/var/lib/dpkg/status"])
        #expect(packages.notes.isEmpty)
        let got = packages.packages.map { "\($0.name) \($0.fullVersion) \($0.architecture ?? "")" }
        #expect(got.sorted() == expected.sorted())
        #expect(got.contains("held-package 7:1.2+dfsg-3~bpo12+1 all"))
        #expect(got.count == GuestTrees.hostInstalledCount + 1)
        let held = try #require(packages.packages.first { $0.name == "held-package" })
        #expect(held.source == "held-source")
        #expect(held.epoch == "7")
        #expect(PackageURL.of(held, os: report.os) == "pkg:deb/debian/held-package@1.2%2Bdfsg-3~bpo12%2B1?arch=all&distro=debian-12&epoch=7")
    }

    @Test(.enabled(if: Tool.exists("python3"), "python3 is not installed"))
    func theCycloneDXDocumentValidatesAgainstTheCycloneDX15Schema() throws {
        let packages = DpkgStatus.parse(GuestTrees.hostDpkgStatus ?? Array("Package: a\nStatus: install ok installed\nVersion: 1\n".utf8))
        let os = OSRelease.parse(Array(GuestTrees.hostOSRelease.utf8))
        let document = CycloneDX.document(packages: packages, os: os, info: testDocument)
        let scratch = try Scratch()
        let file = scratch.file("bom.json")
        try Data(document.serialized(indent: 2).utf8).write(to: URL(fileURLWithPath: file))
        let script = try #require(Bundle.module.path(forResource: "validate-cyclonedx", ofType: "py"))
        do {
            let out = try Tool.run("python3", [script, file])
            #expect(out.contains("valid CycloneDX 1.5"))
        } catch let failure as TestFailure where failure.description.contains("(3)") {
            // cyclonedx-python-lib is not installed: the structure test below still runs.
            print("CycloneDX schema validation skipped: \(failure)")
        }
        // And a broken document is refused, so the validator is really validating.
        let broken = scratch.file("broken.json")
        try Data(document.serialized().replacingOccurrences(of: "\"1.5\"", with: "1.5").utf8).write(to: URL(fileURLWithPath: broken))
        #expect(throws: TestFailure.self) { try Tool.run("python3", [script, broken]) }
    }

    @Test(.enabled(if: Tool.exists("python3"), "python3 is not installed"))
    func theSPDXDocumentValidatesWithTheSPDXProjectsOwnTools() throws {
        let packages = DpkgStatus.parse(GuestTrees.hostDpkgStatus ?? Array("Package: a\nStatus: install ok installed\nVersion: 1\n".utf8))
            + [InstalledPackage(manager: .rpm, name: "libstdc++", version: "11.4.1-3.el9", epoch: "1", architecture: "x86_64")]
        let os = OSRelease.parse(Array(GuestTrees.hostOSRelease.utf8))
        let document = SPDX.document(packages: packages, os: os, info: testDocument)
        let scratch = try Scratch()
        let file = scratch.file("sbom.spdx.json")
        try Data(document.serialized(indent: 2).utf8).write(to: URL(fileURLWithPath: file))
        let script = try #require(Bundle.module.path(forResource: "validate-spdx", ofType: "py"))
        do {
            let out = try Tool.run("python3", [script, file])
            #expect(out.contains("valid SPDX 2.3"))
        } catch let failure as TestFailure where failure.description.contains("(3)") {
            print("SPDX validation skipped: spdx-tools is not installed: \(failure)")
            return
        }
        let broken = scratch.file("broken.json")
        try Data(document.serialized().replacingOccurrences(of: "SPDXRef-Image", with: "SPDXRef Image").utf8).write(to: URL(fileURLWithPath: broken))
        #expect(throws: TestFailure.self) { try Tool.run("python3", [script, broken]) }
    }

    @Test func theCycloneDXDocumentHasTheRequiredStructure() throws {
        let os = OSRelease.parse(Array("ID=ubuntu\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n".utf8))
        let packages = [InstalledPackage(manager: .dpkg, name: "openssl", version: "3.0.2-0ubuntu1.10", architecture: "amd64", source: "openssl")]
        let document = CycloneDX.document(packages: packages, os: os, info: testDocument)
        #expect(document["bomFormat"]?.stringValue == "CycloneDX")
        #expect(document["specVersion"]?.stringValue == "1.5")
        #expect(document["serialNumber"]?.stringValue == "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79")
        #expect(document["metadata"]?["component"]?["name"]?.stringValue == "web server+1.qcow2")
        #expect(document["metadata"]?["timestamp"]?.stringValue == "2024-05-01T12:00:00Z")
        guard case let .array(components)? = document["components"] else { Issue.record("no components"); return }
        #expect(components.count == 2)
        #expect(components.first?["type"]?.stringValue == "operating-system")
        #expect(components.first?["name"]?.stringValue == "ubuntu")
        #expect(components.first?["version"]?.stringValue == "22.04")
        let openssl = components.last
        #expect(openssl?["type"]?.stringValue == "library")
        #expect(openssl?["name"]?.stringValue == "openssl")
        #expect(openssl?["version"]?.stringValue == "3.0.2-0ubuntu1.10")
        #expect(openssl?["purl"]?.stringValue == "pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?arch=amd64&distro=ubuntu-22.04")
    }

    @Test func theSPDXDocumentHasTheRequiredFieldsAndOnePurlPerPackage() throws {
        let os = OSRelease.parse(Array("ID=\"rhel\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n".utf8))
        let packages = [
            InstalledPackage(manager: .rpm, name: "openssl", version: "3.0.7-27.el9", epoch: "1", architecture: "x86_64", source: "openssl-3.0.7-27.el9.src.rpm"),
            InstalledPackage(manager: .rpm, name: "libstdc++", version: "11.4.1-3.el9", architecture: "x86_64"),
        ]
        let document = SPDX.document(packages: packages, os: os, info: testDocument)
        #expect(document["spdxVersion"]?.stringValue == "SPDX-2.3")
        #expect(document["dataLicense"]?.stringValue == "CC0-1.0")
        #expect(document["SPDXID"]?.stringValue == "SPDXRef-DOCUMENT")
        #expect(document["name"]?.stringValue == "web server+1.qcow2")
        #expect(document["documentNamespace"]?.stringValue == "https://github.com/koopack/koopack/spdx/web%20server%2B1.qcow2-3e671687-395b-41f5-a30f-a58921a69b79")
        #expect(document["creationInfo"]?["created"]?.stringValue == "2024-05-01T12:00:00Z")
        #expect(document["creationInfo"]?["creators"] == .array([.string("Tool: koopack-0.1.0")]))
        guard case let .array(spdxPackages)? = document["packages"] else { Issue.record("no packages"); return }
        #expect(spdxPackages.count == 3)
        let ids = spdxPackages.compactMap { $0["SPDXID"]?.stringValue }
        #expect(Set(ids).count == 3)
        for id in ids { #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }, "\(id)") }
        let libstdcxx = spdxPackages[2]
        #expect(libstdcxx["name"]?.stringValue == "libstdc++")
        #expect(libstdcxx["versionInfo"]?.stringValue == "11.4.1-3.el9")
        #expect(libstdcxx["downloadLocation"]?.stringValue == "NOASSERTION")
        #expect(libstdcxx["externalRefs"] == .array([.object([
            ("referenceCategory", .string("PACKAGE-MANAGER")), ("referenceType", .string("purl")),
            ("referenceLocator", .string("pkg:rpm/rhel/libstdc%2B%2B@11.4.1-3.el9?arch=x86_64&distro=rhel-9.4")),
        ])]))
        #expect(spdxPackages[1]["externalRefs"]?[0]?["referenceLocator"]?.stringValue
                == "pkg:rpm/rhel/openssl@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1")
        #expect(spdxPackages[1]["versionInfo"]?.stringValue == "1:3.0.7-27.el9")
        guard case let .array(relationships)? = document["relationships"] else { Issue.record("no relationships"); return }
        #expect(relationships.count == 3)
        #expect(relationships.first?["relationshipType"]?.stringValue == "DESCRIBES")
    }

    @Test func purlsArePercentEncodedAsTheSpecAsks() {
        #expect(PackageURL.encode("1.2+dfsg-3~bpo12+1") == "1.2%2Bdfsg-3~bpo12%2B1")
        #expect(PackageURL.encode("a b/c?d#e@f") == "a%20b%2Fc%3Fd%23e%40f")
        #expect(PackageURL.encode("1:2.0") == "1:2.0")
        #expect(PackageURL.encode("é") == "%C3%A9")
        let ubuntu = OSRelease.parse(Array("ID=ubuntu\nVERSION_ID=\"22.04\"\n".utf8))
        let openssl = InstalledPackage(manager: .dpkg, name: "openssl", version: "3.0.2-0ubuntu1.10", architecture: "amd64")
        #expect(PackageURL.of(openssl, os: ubuntu) == "pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.10?arch=amd64&distro=ubuntu-22.04")
        let rhel = OSRelease.parse(Array("ID=\"rhel\"\nVERSION_ID=\"9.4\"\n".utf8))
        let rpm = InstalledPackage(manager: .rpm, name: "openssl", version: "3.0.7-27.el9", architecture: "x86_64")
        #expect(PackageURL.of(rpm, os: rhel) == "pkg:rpm/rhel/openssl@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4")
        #expect(PackageURL.of(rpm, os: nil) == "pkg:rpm/openssl@3.0.7-27.el9?arch=x86_64")
    }

    @Test func aRandomUUIDIsVersion4AndTimestampsAreRFC3339() {
        let uuid = SBOMDocumentInfo.randomUUID()
        #expect(uuid.count == 36)
        #expect(Array(uuid)[14] == "4")
        #expect("89ab".contains(Array(uuid)[19]))
        #expect(uuid != SBOMDocumentInfo.randomUUID())
        #expect(SBOMDocumentInfo.utcTimestamp(0) == "1970-01-01T00:00:00Z")
        #expect(SBOMDocumentInfo.utcTimestamp(1_714_564_800) == "2024-05-01T12:00:00Z")
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard case let .array(values) = self, values.indices.contains(index) else { return nil }
        return values[index]
    }
}
