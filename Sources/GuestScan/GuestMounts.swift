import DiskImage
import Findings
import GuestFilesystem

/// A filesystem of the guest mounted over its root for the scan: where, and which volume.
public struct GuestMountedVolume: Sendable, Equatable, CustomStringConvertible {
    /// The mount point (`/home`).
    public var mountPoint: String
    public var location: GuestVolumeLocation

    public init(mountPoint: String, location: GuestVolumeLocation) {
        self.mountPoint = mountPoint
        self.location = location
    }

    /// `/home on partition 3 (ext4)`.
    public var description: String { "\(mountPoint) on \(location)" }
}

/// The guest's other filesystems, mounted where it mounts them: a separate `/home`, `/root`,
/// `/var`, `/srv`, `/opt` (where secrets, keys and logs live) or `/boot` (where GRUB's
/// configuration lives) is found through `/etc/fstab` and the systemd mount units in
/// `/etc/systemd/system`, looked up among the volumes of this image by UUID, label, PARTUUID,
/// PARTLABEL, LVM name or partition device, and mounted over the root
/// (`MountedGuestFileSystem`), so the scan sees `/home/alice/...` as the guest does.
enum GuestMounts {
    /// Mount points followed, with everything below them.
    static let followed = ["/boot", "/home", "/root", "/var", "/srv", "/opt"]
    /// Largest fstab or mount unit read.
    static let maxFileBytes = 1 << 20
    /// Most mount units read from `/etc/systemd/system`.
    static let maxUnits = 256

    /// The root with its filesystems mounted, where each came from, and notes (KG410's family)
    /// for a filesystem the guest mounts there that koopack could not read.
    struct Result {
        var filesystem: any GuestFileSystem
        var mounted: [(path: String, location: GuestVolumeLocation)]
        var notes: [Finding]
        var warnings: [String]
    }

    /// Mounts the filesystems the root on `rootLocation` names in its fstab and mount units, from the
    /// volumes of `disk` (`view` its guest view, `identities` the names of its volumes).
    static func mount(root: any GuestFileSystem, rootLocation: GuestVolumeLocation, disk: any ByteSource,
                      view: GuestView, identities: ImageIdentities) -> Result {
        let reader = GuestFileReader(root)
        var result = Result(filesystem: root, mounted: [], notes: [], warnings: [])
        var references: [BootReference] = []
        if let fstab = reader.readWhole(Fstab.path, limit: maxFileBytes) {
            references += Fstab.references(in: fstab, path: Fstab.path)
        }
        let units = (reader.list(SystemdMountUnit.directory) ?? []).map(\.name).filter { $0.hasSuffix(".mount") }.sorted()
        for name in units.prefix(maxUnits) {
            let path = GuestFileReader.join(SystemdMountUnit.directory, name)
            if let bytes = reader.readWhole(path, limit: maxFileBytes), let reference = SystemdMountUnit.reference(in: bytes, path: path) {
                references.append(reference)
            }
        }
        var seen: Set<String> = []
        let wanted = references.filter { reference in
            let point = normalized(reference.usage)
            return followed.contains { point == $0 || point.hasPrefix($0 + "/") } && seen.insert(point).inserted
        }.sorted { depth($0.usage) < depth($1.usage) }

        var mounts: [(path: String, filesystem: any GuestFileSystem)] = []
        var locations: [String: GuestVolumeLocation] = [:]
        for reference in wanted {
            let point = normalized(reference.usage)
            guard let place = volume(of: reference, identities: identities) else { continue }
            if place.partition == rootLocation.partition && place.logicalVolume == rootLocation.logicalVolume {
                continue  // the root itself, under a second name
            }
            let what = "the filesystem mounted at \(point) (\(reference.path):\(reference.line), \(describe(place)))"
            guard let kind = place.kind, GuestFilesystems.readable.contains(kind) else {
                let reason = place.kind.flatMap(RootFilesystem.unreadableReason) ?? "not a filesystem koopack reads"
                result.notes.append(note(what, reason: reason, point: point, reference: reference))
                continue
            }
            do {
                guard let source = try open(place, disk: disk, view: view),
                      let fs = try GuestFilesystems.open(source, kind: kind) else { continue }
                mounts.append((point, fs))
                locations[point] = GuestVolumeLocation(partition: place.partition, logicalVolume: place.logicalVolume, kind: fs.kind)
            } catch {
                result.notes.append(note(what, reason: RootFilesystem.message(error), point: point, reference: reference))
            }
        }
        result.warnings += reader.warnings
        guard !mounts.isEmpty else { return result }
        let mounted = MountedGuestFileSystem(root: root, mounts: mounts)
        for skipped in mounted.skipped {
            result.warnings.append("\(skipped.path) was not mounted for the scan: \(skipped.reason)")
        }
        result.filesystem = mounted
        result.mounted = mounted.mountPoints.compactMap { point in locations[point].map { (point, $0) } }
        return result
    }

    /// The volume of this image a reference names, nil when none does. A partition device
    /// (`/dev/vda3`, `/dev/sda3`, `/dev/xvda3`) is that partition of this, the first, disk.
    static func volume(of reference: BootReference, identities: ImageIdentities) -> ImageIdentities.VolumePlace? {
        if reference.kind == .devicePath {
            guard let number = partitionNumber(reference.value) else { return nil }
            return identities.volumes.first { $0.location.partition == number && $0.location.logicalVolume == nil }?.location
        }
        if case let .found(place) = identities.status(of: reference) { return place }
        return nil
    }

    /// N of `/dev/vdaN`, `/dev/sdaN`, `/dev/xvdaN`, `/dev/hdaN`; nil for anything else.
    static func partitionNumber(_ device: String) -> Int? {
        for prefix in ["/dev/vda", "/dev/sda", "/dev/xvda", "/dev/hda"] where device.hasPrefix(prefix) {
            let digits = device.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(\.isNumber) else { return nil }
            return Int(digits)
        }
        return nil
    }

    /// The bytes of the volume at `place`: a partition, or a logical volume of the physical
    /// volume on a partition (or on the whole disk).
    static func open(_ place: ImageIdentities.VolumePlace, disk: any ByteSource, view: GuestView) throws -> (any ByteSource)? {
        var source: any ByteSource = disk
        if let number = place.partition {
            guard let partition = view.partitions.first(where: { $0.index == number && !$0.isExtended }),
                  partition.size > 0, partition.start < disk.size else { return nil }
            source = SliceByteSource(disk, offset: partition.start, length: min(partition.size, disk.size - partition.start))
        }
        guard let name = place.logicalVolume else { return place.partition == nil ? nil : source }
        let pv = try LVM2PhysicalVolume(source)
        guard let lv = pv.logicalVolumes().first(where: { "\($0.volumeGroup)/\($0.name)" == name }) else { return nil }
        return try pv.open(lv)
    }

    static func describe(_ place: ImageIdentities.VolumePlace) -> String {
        var parts: [String] = [place.partition.map { "partition \($0)" } ?? "whole disk"]
        if let lv = place.logicalVolume { parts.append("LV \(lv)") }
        if let kind = place.kind { parts.append(kind.rawValue) }
        return parts.joined(separator: ", ")
    }

    private static func note(_ what: String, reason: String, point: String, reference: BootReference) -> Finding {
        Finding(.scanNotDone, message: "\(what) was not scanned: \(reason)",
                evidence: [("mount point", point), ("file", reference.path), ("line", String(reference.line)), ("reason", reason)])
    }

    /// `/home/` → `/home`.
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").joined(separator: "/")
    }

    private static func depth(_ path: String) -> Int { path.split(separator: "/").count }
}
