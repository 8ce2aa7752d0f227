#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import DiskImage
import GuestScan

/// `koopack sbom`: the guest's installed packages as a software bill of materials.
struct SbomCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbom",
        abstract: "List the guest's installed packages as a CycloneDX or SPDX SBOM, for Grype or Trivy.",
        discussion: """
            Reads the guest's root filesystem straight from the image and lists the installed \
            packages of dpkg (/var/lib/dpkg/status) and rpm (rpmdb.sqlite, in /var/lib/rpm or \
            /usr/lib/sysimage/rpm), each with its package URL (pkg:deb/debian/...?distro=debian-12, \
            pkg:rpm/rhel/...?distro=rhel-9.4), so that a vulnerability scanner can score the \
            image offline: grype sbom:FILE, or trivy sbom FILE. KooGallery rejects images with \
            vulnerabilities of CVSS 7.0 or higher.

            rpm's older Berkeley DB database (/var/lib/rpm/Packages, RHEL 8 and earlier) is not \
            read: koopack says so on standard error.

            Exit status: 0 when the SBOM was written, 2 when the image or its root filesystem \
            could not be read.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case cyclonedx, spdx
    }

    @Option(name: .long, help: "SBOM format: cyclonedx (CycloneDX 1.5 JSON) or spdx (SPDX 2.3 JSON).")
    var format: OutputFormat = .cyclonedx

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the SBOM to this file instead of standard output.", valueName: "file"))
    var output: String?

    @OptionGroup var transfer: TransferOptions

    @OptionGroup var live: LiveRootOptions

    @Argument(help: ArgumentHelp("The image file, or its https:// URL.", valueName: "image"))
    var argument: String?

    /// The image, or the live root, as messages name it.
    var image: String { argument ?? live.root ?? "" }

    func validate() throws {
        if (argument == nil) == (live.root == nil) { throw ValidationError("give an image, or --root DIR (not both)") }
    }

    func run() async throws {
        let report: ScanReport
        do {
            if let root = live.root {
                report = try LiveRootScan.scan(directory: root, metadata: nil, includePackages: true)
            } else {
                let access = try ImageAccess(image)
                defer { reportTransfers(access.remote.map { [$0] } ?? [], verbose: transfer.verbose) }
                report = try GuestScanner.packages(imageAt: access.name, inspector: access.inspector)
            }
        } catch let error as ImageError {
            Terminal.diagnose(error.attributed(to: shownName(image)).description)
            throw ExitCode(2)
        }
        guard report.scanned, let inventory = report.packages else {
            Terminal.diagnose("\(shownName(image)): the guest's root filesystem was not read: " + report.notReadable.joined(separator: "; "))
            throw ExitCode(2)
        }
        for note in inventory.notes { Terminal.diagnose("\(shownName(image)): \(note)") }
        if inventory.databases.isEmpty {
            Terminal.diagnose("\(shownName(image)): no package database found (no /var/lib/dpkg/status, no rpmdb.sqlite): the SBOM lists no packages")
        }
        let info = SBOMDocumentInfo.now(imageName: FilePaths.lastComponent(shownName(image)), toolVersion: Koopack.configuration.version)
        let document: JSONValue
        switch format {
        case .cyclonedx: document = CycloneDX.document(packages: inventory.packages, os: report.os, info: info)
        case .spdx: document = SPDX.document(packages: inventory.packages, os: report.os, info: info)
        }
        let text = document.serialized(indent: 2) + "\n"
        guard let output else {
            Terminal.write(text)
            return
        }
        guard let file = fopen(output, "w") else {
            Terminal.diagnose("\(output): cannot be written: \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            Terminal.diagnose("\(output): writing failed: \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }
    }
}
