import ArgumentParser
import DiskImage
import Findings
import GuestScan
import ImagePackage
import ReleasePolicy

/// `koopack scan`: what in each guest would KooGallery's security scan reject?
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find what KooGallery's image security scan rejects in each guest (KG401-KG417).",
        discussion: """
            Reads the guest's root filesystem straight from the image (ext2/3/4 or XFS, on a \
            partition, an LVM2 linear logical volume or the whole disk; no mounting, no qemu) \
            and looks for preset passwords (KG401, KG402), preset SSH authorized keys (KG403), \
            private keys in homes (KG404), SSH host keys (KG405), shell histories (KG406), a \
            missing cloud-init (KG407), leftover cloud-init state (KG408), and an os-release \
            that disagrees with the IMS metadata's __platform or __os_version (KG409). A root \
            filesystem koopack does not read (NTFS, btrfs, LUKS, none found) is a note (KG410). \
            Password hashes are never printed: only the account and the hash scheme.

            Also reported: cloud and service credentials left in homes and shell profiles \
            (KG411: file, line and key, never the value), a baked machine ID (KG412), NICs \
            pinned by MAC address or static addresses (KG413), fstab, mount unit, grub.cfg or \
            boot loader entries naming a volume the image does not have, or /dev/sdX (KG414), \
            an OS past its end of life (KG415), private keys where services keep them (KG416) \
            and login records and logs (KG417). Filesystems the guest's fstab mounts on /home, \
            /root, /var, /srv, /opt and /boot are scanned where it mounts them; an ext4 \
            journal's committed transactions are read in memory; an XFS log that needs \
            recovery is a note (KG410).

            Metadata comes from a sidecar NAME.json or NAME.EXT.json, or --metadata, as for \
            koopack check. koopack cannot run an antivirus or a vulnerability database: write \
            an SBOM with koopack sbom and score it with Grype or Trivy.

            Exit status: 0 when no image has an error finding, 1 when any has one (or a \
            warning, with --strict), 2 when an image could not be read.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, sarif
    }

    @Option(name: .long, help: "Output format: text, json or sarif (SARIF 2.1.0, for code scanning).")
    var format: OutputFormat = .text

    @OptionGroup var imageMetadata: MetadataOptions
    @OptionGroup var transfer: TransferOptions
    @OptionGroup var live: LiveRootOptions

    @Flag(name: .long, help: "Fail on warnings too.")
    var strict = false

    @Argument(help: ArgumentHelp("Image files, folders, archives or https:// URLs.", valueName: "image"))
    var images: [String] = []

    // The shared options under the names `run` reads them by.
    var metadata: String? { imageMetadata.metadata }
    var imageID: String? { imageMetadata.imageID }

    func validate() throws {
        if images.isEmpty && live.root == nil { throw ValidationError("give an image, or --root DIR") }
    }

    func run() async throws {
        let options = DiscoveryOptions(metadataFile: metadata, imageID: imageID)
        var (results, unreadable) = diagnosingFailures(await runOverImages(images, options: options, verbose: transfer.verbose) { input in
            ScanResult(image: input.displayName, metadataFile: input.metadataFile,
                       report: try GuestScanner.scan(try ImageReport.read(input, readGuest: true)))
        })
        if live.root != nil {
            if let result = live.scan(metadataFile: metadata, imageID: imageID) { results.append(result) } else { unreadable = true }
        }
        switch format {
        case .text: Terminal.write(ScanText.render(results))
        case .json: JSONOutput.write(ScanJSON.render(results))
        case .sarif: SARIF.write(results.map { ($0.image, $0.report.findings) })
        }
        if unreadable { throw ExitCode(2) }
        let worst = results.flatMap(\.report.findings).map(\.severity).max()
        if worst == .error || (strict && worst == .warning) { throw ExitCode(1) }
    }
}

/// One scanned image: how it is named and what its scan found.
struct ScanResult: Sendable {
    var image: String
    var metadataFile: String?
    var report: ScanReport
}
