/// How an image's guest data is encrypted. The raw value is QEMU's name, which reports print.
public enum EncryptionFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// qcow's and qcow2's legacy AES-CBC.
    case aes
    /// LUKS: a LUKS container, or qcow2's LUKS full disk encryption.
    case luks

    public var description: String { rawValue }
}

/// What koopack learned from one image's header: the facts `qemu-img info` reports, under the
/// same names, plus koopack's own (`subformat`, parent references, warnings).
public struct ImageInfo: Sendable {
    /// The file name as the user gave it.
    public var filename: String
    /// QEMU's name for the format (`qcow2`, `vmdk`, `vpc`, ...), or koopack's where QEMU has none
    /// or is wrong: `iso`, `zvhd`, `zvhd2`, and `vpc` for a fixed VHD that QEMU calls raw.
    public var format: String
    /// The variant within the format: `fixed`, `dynamic`, `differencing`, a VMDK create type, ...
    public var subformat: String?
    /// The size of the guest's disk in bytes.
    public var virtualSize: UInt64
    /// Bytes the image occupies on the host (allocated blocks of every file that makes it up).
    public var actualSize: UInt64?
    /// The size of the disk the image was made from, where the format records it apart from the
    /// virtual size: a ZVHD or ZVHD2 footer's original size, which the driver rounds up to whole
    /// GiB to give the virtual size (zvhd.c, zvhdinitializefooter). The disk-size rules judge this.
    public var originalSize: UInt64?
    /// The format's allocation unit (cluster, grain, block) in bytes.
    public var clusterSize: UInt64?
    /// Whether the guest's data is encrypted in the image.
    public var encrypted: Bool = false
    /// The encryption scheme the header names when encrypted.
    public var encryptionFormat: EncryptionFormat?
    /// The backing file exactly as the header names it.
    public var backingFilename: String?
    /// The backing file resolved against the image's own directory, as QEMU does.
    public var fullBackingFilename: String?
    /// The backing file's format as the header records it.
    public var backingFormat: String?
    /// For differencing images that name their parent by identity rather than by a path QEMU
    /// follows (VHD/VHDX parent locators, VDI parent UUID, VMDK parentCID): a description of it.
    public var parentReference: String?
    /// An external data file (qcow2 `data-file`) the guest's data lives in.
    public var externalDataFile: String?
    /// qcow2's dirty bit (and the equivalent of other formats); nil where QEMU prints nothing.
    public var dirty: Bool?
    /// Whether the header marks the image corrupt, or a checksum failed.
    public var corrupt: Bool = false
    /// Whether koopack read the header at all (every format it recognises now reads its header).
    public var headerRead: Bool = true
    /// QEMU's `format-specific` object: `{"type": ..., "data": {...}}`, or koopack's own facts
    /// for formats QEMU reports nothing specific about.
    public var formatSpecific: JSONValue?
    /// Everything odd but not fatal that koopack noticed.
    public var warnings: [String] = []
    /// The backing chain below this image, nearest first, as far as it could be read.
    public var backingChain: [ImageInfo] = []
    /// What the guest's disk holds (partitions, filesystems, boot mode), when it was read.
    public var guest: GuestView?

    public init(filename: String, format: String, virtualSize: UInt64) {
        self.filename = filename
        self.format = format
        self.virtualSize = virtualSize
    }

    /// Whether the image depends on another file for its guest data.
    public var isSelfContained: Bool {
        backingFilename == nil && parentReference == nil && externalDataFile == nil
    }

    /// How the guest's data is encrypted, when it is: the scheme the header names, or LUKS for
    /// a LUKS container (whose format is the encryption itself).
    public var encryption: EncryptionFormat? {
        encryptionFormat ?? (format == LUKSFormat.name ? .luks : nil)
    }
}

extension ImageInfo {
    /// The image as `qemu-img info --output=json` prints it, plus koopack's own keys.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("filename", .string(filename)),
            ("format", .string(format)),
        ]
        if let subformat { members.append(("subformat", .string(subformat))) }
        members.append(("virtual-size", .uint(virtualSize)))
        if let actualSize { members.append(("actual-size", .uint(actualSize))) }
        if let clusterSize { members.append(("cluster-size", .uint(clusterSize))) }
        if encrypted { members.append(("encrypted", .bool(true))) }
        if let backingFilename { members.append(("backing-filename", .string(backingFilename))) }
        if let fullBackingFilename { members.append(("full-backing-filename", .string(fullBackingFilename))) }
        if let backingFormat { members.append(("backing-filename-format", .string(backingFormat))) }
        if let dirty { members.append(("dirty-flag", .bool(dirty))) }
        if let formatSpecific { members.append(("format-specific", formatSpecific)) }
        if let parentReference { members.append(("parent", .string(parentReference))) }
        if !headerRead { members.append(("header-read", .bool(false))) }
        if let guest { members.append(("guest", guest.json)) }
        members.append(("warnings", .array(warnings.map { .string($0) })))
        return .object(members)
    }
}
