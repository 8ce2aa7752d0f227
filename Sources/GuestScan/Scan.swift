import DiskImage
import Findings
import GuestFilesystem
import ImagePackage

/// What the scan of one guest found: which OS it is, where its root filesystem is, the KG4xx
/// findings, and (when asked) its installed packages.
public struct ScanReport: Sendable {
    /// The guest's os-release; nil when the root filesystem was not read.
    public var os: OSRelease?
    /// Where the root filesystem is; nil when none was read (then `notReadable` says why and
    /// `findings` holds KG410).
    public var rootFilesystem: GuestVolumeLocation?
    /// Where the EFI system partition is, when there is a readable one.
    public var efiSystemPartition: GuestVolumeLocation?
    /// Why no root filesystem was read, one reason per volume looked at.
    public var notReadable: [String]
    /// The KG4xx findings, most severe first.
    public var findings: [Finding]
    /// The installed packages, when the scan was asked for them.
    public var packages: PackageInventory?
    /// Accounts read from /etc/passwd and /etc/shadow.
    public var accountCount: Int
    /// Homes searched for keys and histories.
    public var homes: [String]
    /// Files that could not be read; the scan went on without them.
    public var warnings: [String]
    /// The root's other filesystems that were mounted for the scan (from its fstab and mount units).
    public var mounted: [GuestMountedVolume] = []

    /// The directory read as the guest's root (`scan --root`), when the root was not an image's.
    public var liveRoot: String?

    /// Whether the root filesystem was read.
    public var scanned: Bool { rootFilesystem != nil || liveRoot != nil }

    public init(os: OSRelease? = nil, rootFilesystem: GuestVolumeLocation? = nil, efiSystemPartition: GuestVolumeLocation? = nil,
                notReadable: [String] = [], findings: [Finding] = [], packages: PackageInventory? = nil,
                accountCount: Int = 0, homes: [String] = [], warnings: [String] = []) {
        self.os = os
        self.rootFilesystem = rootFilesystem
        self.efiSystemPartition = efiSystemPartition
        self.notReadable = notReadable
        self.findings = findings
        self.packages = packages
        self.accountCount = accountCount
        self.homes = homes
        self.warnings = warnings
    }
}

/// Reads a guest's root filesystem and finds what KooGallery's security scan rejects: preset
/// passwords and keys, leftover histories and cloud-init state, a missing cloud-init, and an OS
/// that disagrees with the metadata (KG401–KG410); credentials and keys left behind, what ties the
/// guest to one ECS, boot references the image cannot satisfy, an end-of-life OS and login
/// records (KG411–KG417). Reads only the files it needs, each with a
/// limit: a scan of a system disk reads a few MiB at most (the package databases, when asked
/// for, add their own size).
public enum GuestScanner {
    /// Largest /etc/passwd or /etc/shadow read.
    public static let maxAccountFileBytes = Accounts.maxFileBytes

    /// Scans the image file at `path` (any format koopack reads; backing files are followed).
    /// Throws `ImageError` only when the image itself cannot be opened; a guest whose root
    /// filesystem koopack does not read gives a report with KG410.
    public static func scan(imageAt path: String, metadata: IMSMetadata?, includePackages: Bool = false,
                            inspector: ImageInspector = ImageInspector(), today: LifecycleDate = .today) throws -> ScanReport {
        try scan(try ImageReport.read(ImageInput(file: path, metadata: metadata), readGuest: true, inspector: inspector),
                 includePackages: includePackages, today: today)
    }

    /// Scans the guest an `ImageReport` opened, with the report's metadata (for KG409). Throws
    /// the `ImageError` that kept the guest's disk from opening, naming the image; a guest whose
    /// view or root filesystem koopack does not read gives a report with KG410. A report read
    /// without its guest (`readGuest: false`) cannot be scanned and is an error saying so.
    public static func scan(_ report: ImageReport, includePackages: Bool = false, today: LifecycleDate = .today) throws -> ScanReport {
        switch report.guest {
        case let .success(opened)?:
            return scan(disk: opened.disk, view: try? opened.view.get(), metadata: report.input.metadata,
                        includePackages: includePackages, today: today)
        case let .failure(error)?:
            throw error.attributed(to: report.input.displayName)
        case nil:
            throw ImageError(.invalid, file: report.input.displayName, "was read without its guest disk, so it cannot be scanned")
        }
    }

    /// Scans the guest disk `disk` (the bytes the guest sees); `view` is its guest view when the
    /// caller has already read it. The root's other filesystems (a separate `/home`, `/var`,
    /// `/boot`, ...) are mounted where its fstab mounts them, and the boot references are held
    /// against the names of every volume of the disk (KG414). `today` is the day end of life is
    /// judged on (KG415).
    public static func scan(disk: any ByteSource, view: GuestView? = nil, metadata: IMSMetadata?,
                            includePackages: Bool = false, today: LifecycleDate = .today) -> ScanReport {
        let view = view ?? (try? GuestView.read(from: disk))
        switch RootFilesystem.find(on: disk, view: view) {
        case let .found(root):
            var filesystem = root.filesystem
            var identities: ImageIdentities?
            var mounts = GuestMounts.Result(filesystem: root.filesystem, mounted: [], notes: [], warnings: [])
            if let view {
                let known = ImageIdentities.read(disk: disk, view: view)
                mounts = GuestMounts.mount(root: root.filesystem, rootLocation: root.location, disk: disk, view: view, identities: known)
                filesystem = mounts.filesystem
                identities = known
            }
            var report = scan(filesystem: filesystem, metadata: metadata, includePackages: includePackages,
                              identities: identities, today: today)
            report.rootFilesystem = root.location
            report.efiSystemPartition = root.efiSystemPartition?.location
            report.mounted = mounts.mounted.map { GuestMountedVolume(mountPoint: $0.path, location: $0.location) }
            report.findings = (report.findings + mounts.notes).inReportOrder()
            report.warnings = (identities?.warnings ?? []) + mounts.warnings + report.warnings
            return report
        case let .notReadable(reasons):
            return ScanReport(notReadable: reasons, findings: [ScanNotDone.rootNotReadable(reasons: reasons).finding])
        }
    }

    /// Scans an already opened root filesystem (the report's `rootFilesystem` is left nil): an
    /// image's root with its mounts, or a live root. `identities` are the names of the image's
    /// volumes that the boot references are held against (KG414); without them (a guest that is
    /// not an image) only bare device names are judged. `today` is the day of KG415.
    public static func scan(filesystem fs: any GuestFileSystem, metadata: IMSMetadata?, includePackages: Bool = false,
                            identities: ImageIdentities? = nil, today: LifecycleDate = .today) -> ScanReport {
        let reader = GuestFileReader(fs)
        var osPath = "/etc/os-release"
        var osBytes = reader.readWhole(osPath, limit: OSRelease.maxBytes)
        if osBytes == nil {
            osPath = "/usr/lib/os-release"
            osBytes = reader.readWhole(osPath, limit: OSRelease.maxBytes)
        }
        let os = osBytes.map(OSRelease.parse)
        let passwd = reader.readWhole("/etc/passwd", limit: maxAccountFileBytes)
        let shadow = reader.readWhole("/etc/shadow", limit: maxAccountFileBytes)
        let accounts = Accounts.parse(passwd: passwd, shadow: shadow)
        let homes = GuestHomes.of(accounts, reader: reader)

        var findings: [Finding] = []
        findings += Accounts.findings(accounts)
        findings += SSHKeys.authorizedKeys(homes: homes, reader: reader)
        findings += SSHKeys.privateKeys(homes: homes, reader: reader)
        findings += SSHKeys.hostKeys(reader: reader)
        findings += History.findings(homes: homes, reader: reader)
        findings += CloudInit.missing(reader: reader, metadata: metadata)
        findings += CloudInit.stateLeft(reader: reader)
        if let os { findings += OSMetadataCheck.findings(os: os, metadata: metadata) }
        findings += CredentialRules.cloudCredentials(homes: homes, reader: reader)
        findings += PortabilityRules.machineID(reader: reader)
        findings += PortabilityRules.networkPins(reader: reader)
        findings += BootReferenceRules.findings(references: BootReferenceRules.references(reader: reader), identities: identities)
        if let os { findings += EndOfLifeRule.findings(os: os, path: osPath, today: today) }
        findings += CredentialRules.privateKeysInSystem(homes: homes, reader: reader)
        findings += LeftoverRules.findings(reader: reader)
        findings += UnreplayedLogs.findings(fs, reader: reader)
        findings = findings.inReportOrder()

        var report = ScanReport(os: os, findings: findings, accountCount: accounts.count, homes: homes.map(\.path))
        if includePackages { report.packages = PackageInventory.read(reader) }
        report.warnings = reader.warnings
        return report
    }

    /// The packages of the image at `path`, with the report of where they were found. Throws
    /// `ImageError` when the image cannot be opened; a guest whose root filesystem is not read
    /// gives a report without packages.
    public static func packages(imageAt path: String, inspector: ImageInspector = ImageInspector()) throws -> ScanReport {
        try scan(imageAt: path, metadata: nil, includePackages: true, inspector: inspector)
    }
}

/// Why a guest's root filesystem was not scanned: the one place KG410 is made.
public enum ScanNotDone: Sendable {
    /// The guest's disk could not be opened (the check that opened it has already judged the
    /// header, so this is the scan's note, not an error).
    case guestNotOpened(ImageError)
    /// No filesystem koopack reads holds the root: one reason per volume looked at.
    case rootNotReadable(reasons: [String])

    /// The KG410 finding saying so.
    public var finding: Finding {
        switch self {
        case let .guestNotOpened(error):
            return Finding(.scanNotDone, message: "the guest could not be opened for the security scan: \(error.message)")
        case let .rootNotReadable(reasons):
            return Finding(.scanNotDone,
                           message: "the guest's root filesystem was not scanned: " + reasons.joined(separator: "; "),
                           evidence: reasons.enumerated().map { ("reason \($0.offset + 1)", $0.element) })
        }
    }
}

/// Scans the image at `path` for what KooGallery's security scan rejects (KG401–KG417), with its
/// IMS metadata for the OS comparison (KG409). See `GuestScanner.scan(imageAt:metadata:)`.
public func scan(imageAt path: String, metadata: IMSMetadata?) throws -> ScanReport {
    try GuestScanner.scan(imageAt: path, metadata: metadata)
}

