import DiskImage
import GuestFilesystem

/// Where a guest filesystem lives on the guest disk: a partition (by its Linux number), a
/// logical volume of an LVM2 partition, or the whole unpartitioned disk.
public struct GuestVolumeLocation: Sendable, Equatable, CustomStringConvertible {
    /// The partition's number (1-based, as Linux numbers it); nil for an unpartitioned disk.
    public var partition: Int?
    /// The LVM logical volume as `vg/lv`, when the filesystem is on one.
    public var logicalVolume: String?
    /// The filesystem's kind: ext2/3/4, XFS or vfat.
    public var kind: FilesystemKind

    public init(partition: Int?, logicalVolume: String? = nil, kind: FilesystemKind) {
        self.partition = partition
        self.logicalVolume = logicalVolume
        self.kind = kind
    }

    /// `partition 2, LV vg0/root (ext4)`, `whole disk (xfs)`.
    public var description: String {
        var parts: [String] = []
        if let partition { parts.append("partition \(partition)") } else { parts.append("whole disk") }
        if let logicalVolume { parts.append("LV \(logicalVolume)") }
        return parts.joined(separator: ", ") + " (\(kind))"
    }
}

/// The guest's root filesystem, opened: the filesystem that holds `/etc/os-release` (or
/// `/usr/lib/os-release`), with the EFI system partition beside it when there is one.
public struct RootFilesystem: Sendable {
    /// Most partitions and logical volumes examined: a disk has a handful; a damaged table
    /// cannot make koopack open thousands of filesystems.
    public static let maxVolumes = 256

    public let filesystem: any GuestFileSystem
    public let location: GuestVolumeLocation
    /// The vfat EFI system partition (see `GuestPartition.isEFISystemPartition`), when readable.
    public let efiSystemPartition: (location: GuestVolumeLocation, filesystem: any GuestFileSystem)?

    /// What finding the root filesystem came to.
    public enum Outcome: Sendable {
        /// The root filesystem, opened.
        case found(RootFilesystem)
        /// No filesystem koopack reads holds an os-release: the reasons, one per volume that was
        /// looked at and not read (`partition 2: btrfs is not read`), or that nothing was found.
        case notReadable(reasons: [String])
    }

    /// Looks for the root filesystem on `disk` (the guest's disk, as `ImageInspector.openGuest`
    /// gives it). Never throws for what the disk holds: a filesystem koopack does not read
    /// (NTFS, btrfs, LUKS, a damaged superblock) is a reason in `.notReadable`.
    /// `view` is the disk's guest view when the caller has already read it (inspect and check
    /// do), so the partition table is not read twice.
    public static func find(on disk: any ByteSource, view known: GuestView? = nil) -> Outcome {
        let view: GuestView
        if let known {
            view = known
        } else {
            do { view = try GuestView.read(from: disk) } catch {
                return .notReadable(reasons: ["the guest disk's partition table could not be read: \(message(error))"])
            }
        }
        var reasons: [String] = []
        var esp: (location: GuestVolumeLocation, filesystem: any GuestFileSystem)?
        var volumes: [(partition: Int?, source: any ByteSource, signature: FilesystemSignature?, isESP: Bool)] = []
        if view.partitionTable == .none {
            volumes.append((nil, disk, view.wholeDiskFilesystem, false))
        } else {
            for partition in view.partitions.prefix(maxVolumes) where !partition.isExtended {
                guard partition.size > 0, partition.start < disk.size else { continue }
                let length = min(partition.size, disk.size - partition.start)
                volumes.append((partition.index, SliceByteSource(disk, offset: partition.start, length: length),
                                partition.filesystem, partition.isEFISystemPartition))
            }
        }

        var candidates: [(location: GuestVolumeLocation, source: any ByteSource)] = []
        for volume in volumes {
            let name = volume.partition.map { "partition \($0)" } ?? "the whole disk"
            guard let signature = volume.signature else { continue }
            switch signature.kind {
            case let kind where kind.isExt || kind == .xfs:
                candidates.append((GuestVolumeLocation(partition: volume.partition, kind: kind), volume.source))
            case .vfat:
                if esp == nil, let fs = try? GuestFilesystems.open(volume.source, kind: .vfat) {
                    let location = GuestVolumeLocation(partition: volume.partition, kind: .vfat)
                    if volume.isESP || (try? GuestPaths.list("/EFI", in: fs)) != nil { esp = (location, fs) }
                }
            case .lvm2Member:
                do {
                    let pv = try LVM2PhysicalVolume(volume.source)
                    for lv in pv.logicalVolumes().prefix(maxVolumes) {
                        let lvName = "\(lv.volumeGroup)/\(lv.name)"
                        do {
                            let lvSource = try pv.open(lv)
                            guard let found = try FilesystemSignature.detect(in: lvSource, at: 0, length: lvSource.size) else { continue }
                            let location = GuestVolumeLocation(partition: volume.partition, logicalVolume: lvName, kind: found.kind)
                            if found.kind.isExt || found.kind == .xfs {
                                candidates.append((location, lvSource))
                            } else if let reason = unreadableReason(found.kind) {
                                reasons.append("\(name), LV \(lvName): \(reason)")
                            }
                        } catch {
                            reasons.append("\(name), LV \(lvName): \(message(error))")
                        }
                    }
                } catch {
                    reasons.append("\(name): LVM2 physical volume not read: \(message(error))")
                }
            default:
                if let reason = unreadableReason(signature.kind) { reasons.append("\(name): \(reason)") }
            }
        }

        for candidate in candidates {
            let fs: any GuestFileSystem
            do {
                guard let opened = try GuestFilesystems.open(candidate.source, kind: candidate.location.kind) else { continue }
                fs = opened
            } catch {
                reasons.append("\(candidate.location): not read: \(message(error))")
                continue
            }
            do {
                if try GuestPaths.stat("/etc/os-release", in: fs)?.type == .regular
                    || GuestPaths.stat("/usr/lib/os-release", in: fs)?.type == .regular {
                    var location = candidate.location
                    location.kind = fs.kind
                    return .found(RootFilesystem(filesystem: fs, location: location, efiSystemPartition: esp))
                }
            } catch {
                reasons.append("\(candidate.location): not read: \(message(error))")
            }
        }
        if reasons.isEmpty {
            reasons.append(candidates.isEmpty
                ? "no ext2/3/4 or XFS filesystem was found on the guest disk"
                : "no ext2/3/4 or XFS filesystem holds /etc/os-release or /usr/lib/os-release")
        }
        return .notReadable(reasons: reasons)
    }

    /// Why a volume of `kind` is not scanned; nil for kinds that are (ext2/3/4, XFS) or that
    /// cannot hold a root filesystem (swap, vfat, iso9660).
    static func unreadableReason(_ kind: FilesystemKind) -> String? {
        switch kind {
        case .ntfs: return "NTFS (a Windows guest) is not read"
        case .btrfs: return "btrfs is not read"
        case .cryptoLUKS: return "encrypted with LUKS"
        case .exfat: return "exFAT is not read"
        case .lvm2Member: return "an LVM2 physical volume inside a logical volume is not read"
        case .ext2, .ext3, .ext4, .xfs, .vfat, .swap, .iso9660: return nil
        }
    }

    static func message(_ error: any Error) -> String {
        (error as? ImageError)?.message ?? "\(error)"
    }
}
