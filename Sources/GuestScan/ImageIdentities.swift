import DiskImage
import GuestFilesystem

/// Every name by which the guest can find a volume of this image at boot (KG414): the UUID and
/// label of each filesystem koopack recognises (on partitions, the whole disk, and LVM logical
/// volumes), each GPT partition's GUID and name, each MBR partition's `SSSSSSSS-NN` PARTUUID,
/// and each logical volume's `VG/LV` name. Read once per image with a few small reads per volume.
public struct ImageIdentities: Sendable {
    /// Where a volume of the image is: its partition (nil for the whole disk), its logical volume
/// (`VG/LV`), and its filesystem's kind when koopack recognises one.
public struct VolumePlace: Sendable, Equatable {
    public var partition: Int?
    public var logicalVolume: String?
    public var kind: FilesystemKind?

    public init(partition: Int?, logicalVolume: String? = nil, kind: FilesystemKind?) {
        self.partition = partition
        self.logicalVolume = logicalVolume
        self.kind = kind
    }
}

/// One volume and its names.
    public struct Volume: Sendable, Equatable {
        public var location: VolumePlace
        public var identity: FilesystemIdentity
        /// The partition's PARTUUID (GPT GUID, or MBR `SSSSSSSS-NN`) and GPT name.
        public var partUUID: String?
        public var partLabel: String?
    }

    public var volumes: [Volume] = []
    /// `VG/LV` of every logical volume of every physical volume in the image.
    public var logicalVolumes: [String] = []
    /// Why a volume could not be looked into (a damaged LVM label); names inside it are unknown.
    public var warnings: [String] = []

    public init(volumes: [Volume] = [], logicalVolumes: [String] = [], warnings: [String] = []) {
        self.volumes = volumes
        self.logicalVolumes = logicalVolumes
        self.warnings = warnings
    }

    /// Reads the names of the volumes of `disk`, whose guest view is `view`.
    public static func read(disk: any ByteSource, view: GuestView) -> ImageIdentities {
        var identities = ImageIdentities()
        if view.partitionTable == .none {
            if let kind = view.wholeDiskFilesystem.map(kindName) {
                identities.add(source: disk, kind: kind, location: VolumePlace(partition: nil, kind: FilesystemKind(rawValue: kind)))
            }
            return identities
        }
        for partition in view.partitions.prefix(RootFilesystem.maxVolumes) where !partition.isExtended {
            let partUUID = view.partitionTable == .gpt ? partition.partitionGUID
                : view.diskID.flatMap { FilesystemIdentity.mbrPartitionUUID(diskID: $0, partition: partition.index) }
            let kind = partition.filesystem.map(kindName) ?? ""
            var volume = Volume(location: VolumePlace(partition: partition.index, kind: FilesystemKind(rawValue: kind)),
                                identity: FilesystemIdentity(uuid: nil, label: nil), partUUID: partUUID, partLabel: partition.name)
            guard partition.size > 0, partition.start < disk.size else {
                identities.volumes.append(volume)
                continue
            }
            let source = SliceByteSource(disk, offset: partition.start, length: min(partition.size, disk.size - partition.start))
            if let identity = try? FilesystemIdentity.read(kind: kind, in: source) { volume.identity = identity }
            identities.volumes.append(volume)
            if kind == "LVM2_member" { identities.addLogicalVolumes(of: source, partition: partition.index) }
        }
        return identities
    }

    /// Adds the volume `source` of kind `kind` (and its logical volumes, for a PV).
    private mutating func add(source: any ByteSource, kind: String, location: VolumePlace) {
        let identity = (try? FilesystemIdentity.read(kind: kind, in: source)) ?? nil
        volumes.append(Volume(location: location, identity: identity ?? FilesystemIdentity(uuid: nil, label: nil)))
        if kind == "LVM2_member" { addLogicalVolumes(of: source, partition: location.partition) }
    }

    /// The logical volumes of the PV on `source`, each with the identity of the filesystem in it.
    private mutating func addLogicalVolumes(of source: any ByteSource, partition: Int?) {
        let pv: LVM2PhysicalVolume
        do { pv = try LVM2PhysicalVolume(source) } catch {
            warnings.append("\(partition.map { "partition \($0)" } ?? "the whole disk"): LVM2 physical volume not read: \((error as? ImageError)?.message ?? "\(error)")")
            return
        }
        for lv in pv.logicalVolumes().prefix(RootFilesystem.maxVolumes) {
            let name = "\(lv.volumeGroup)/\(lv.name)"
            logicalVolumes.append(name)
            guard let lvSource = try? pv.open(lv),
                  let signature = try? FilesystemSignature.detect(in: lvSource, at: 0, length: lvSource.size) else { continue }
            let kind = Self.kindName(signature)
            guard kind != "LVM2_member" else { continue }  // a PV inside an LV is not followed
            let identity = (try? FilesystemIdentity.read(kind: kind, in: lvSource)) ?? nil
            volumes.append(Volume(location: VolumePlace(partition: partition, logicalVolume: name, kind: FilesystemKind(rawValue: kind)),
                                  identity: identity ?? FilesystemIdentity(uuid: nil, label: nil)))
        }
    }

    /// The blkid name of a signature's kind (`ext4`, `vfat`, `LVM2_member`).
    static func kindName(_ signature: FilesystemSignature) -> String { signature.name }
}

/// What the image says about a boot reference.
public enum BootReferenceStatus: Sendable, Equatable {
    /// A volume of the image has that name: where it is.
    case found(ImageIdentities.VolumePlace)
    /// No volume of the image has that UUID, label, PARTUUID, PARTLABEL or LVM name: a required
    /// reference stops the buyer's boot (an error).
    case missing
    /// A bare device name that need not exist on an ECS, whose disks are virtio (`/dev/vdX`):
    /// `/dev/sdX`, `/dev/xvdX`, `/dev/hdX` (a warning).
    case bareDeviceName
    /// `/dev/vdX`: the name the disk has on an ECS.
    case virtioDevice
    /// Another device path (`/dev/md0`, `/dev/nvme0n1p1`, a dm name koopack does not map):
    /// not judged.
    case notJudged
}

extension ImageIdentities {
    /// Whether the image has the volume `reference` names. UUIDs are compared without case
    /// (blkid prints FAT and NTFS serials in upper case, and people write them either way);
    /// labels exactly.
    public func status(of reference: BootReference) -> BootReferenceStatus {
        let value = reference.value
        switch reference.kind {
        case .uuid:
            return found { $0.identity.uuid?.lowercased() == value.lowercased() }
        case .label:
            return found { $0.identity.label == value }
        case .partUUID:
            return found { $0.partUUID?.lowercased() == value.lowercased() }
        case .partLabel:
            return found { $0.partLabel == value }
        case .logicalVolume:
            guard logicalVolumes.contains(value) else { return .missing }
            return volumes.first { $0.location.logicalVolume == value }.map { .found($0.location) }
                ?? .found(VolumePlace(partition: nil, logicalVolume: value, kind: nil))
        case .devicePath:
            let name = value.hasPrefix("/dev/") ? value.dropFirst(5) : value[...]
            if name.hasPrefix("vd") { return .virtioDevice }
            if name.hasPrefix("sd") || name.hasPrefix("xvd") || name.hasPrefix("hd") { return .bareDeviceName }
            return .notJudged
        }
    }

    private func found(_ matches: (Volume) -> Bool) -> BootReferenceStatus {
        volumes.first(where: matches).map { .found($0.location) } ?? .missing
    }
}
