import DiskImage
import Findings
import GuestFilesystem
import ImagePackage

/// The scan of a live root: a directory read as the guest's root filesystem (a mounted image,
/// or `/` on the ECS before the image is made), by the same rules as an image's root. Pseudo
/// and network filesystems mounted under it (`/proc`, `/sys`, tmpfs, nfs, fuse...) are not
/// descended into, and each one skipped is a note in the report's warnings.
public enum LiveRootScan {
    /// Filesystem types that are not part of a guest's disk.
    static let pseudoTypes: Set<String> = [
        "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "cgroup", "cgroup2", "securityfs", "debugfs",
        "tracefs", "mqueue", "hugetlbfs", "pstore", "bpf", "autofs", "configfs", "binfmt_misc", "efivarfs",
        "fusectl", "rpc_pipefs", "nsfs", "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "sshfs",
    ]

    /// Mount points under `directory` (as guest paths) whose filesystem is pseudo or remote, with
    /// their type, from the text of `/proc/self/mountinfo`.
    public static func skippedMounts(under directory: String, mountinfo: String) -> [(path: String, type: String)] {
        var base = directory
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var found: [(String, String)] = []
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count > 6, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let point = decodeOctal(fields[4])
            let type = fields[dash + 1]
            guard pseudoTypes.contains(type) || type.hasPrefix("fuse") else { continue }
            let guest: String
            if base == "/" { guest = point } else if point.hasPrefix(base + "/") { guest = String(point.dropFirst(base.count)) } else { continue }
            guard guest != "/" else { continue }
            found.append((guest, type))
        }
        return found
    }

    /// The `reason` evidence of KG410 for a file the host refused to let koopack read.
    public static let deniedReason = "permission denied"

    /// KG410 for a guest path the host refused to let koopack read.
    static func deniedNote(_ path: String) -> Finding {
        Finding(.scanNotDone, message: "\(path) was not scanned: permission denied; run koopack as root to read it",
                evidence: [("file", path), ("reason", deniedReason)])
    }

    /// mountinfo escapes spaces and other bytes as `\\ooo`.
    static func decodeOctal(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.first {
            if byte == UInt8(ascii: "\\"), utf8.count >= 4,
               let value = UInt8(String(decoding: utf8.dropFirst().prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(4)
            } else {
                bytes.append(byte)
                utf8 = utf8.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Scans `directory` as a guest root, with `metadata` for KG409. Throws an `ImageError`
    /// naming the directory when it is not one.
    public static func scan(directory: String, metadata: IMSMetadata?, includePackages: Bool = false,
                            mountinfo: String? = nil) throws -> ScanReport {
        guard HostFiles.isDirectory(directory) else { throw ImageError(.io, file: directory, "is not a directory") }
        let mounts = skippedMounts(under: directory, mountinfo: mountinfo ?? ((try? HostFiles.readSmallFile("/proc/self/mountinfo", limit: 4 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""))
        let filesystem = HostDirectoryFileSystem(directory: directory, skipped: Set(mounts.map(\.path)))
        var report = GuestScanner.scan(filesystem: filesystem, metadata: metadata, includePackages: includePackages)
        report.liveRoot = directory
        // A file the host would not let koopack read is part of the guest all the same: the scan
        // is incomplete, so it is KG410 (which keeps the verdict from being clean), not a warning.
        let denied = filesystem.deniedPaths
        if !denied.isEmpty {
            report.findings = (report.findings + denied.map(deniedNote)).inReportOrder()
            report.warnings.removeAll { $0.contains(HostDirectoryFileSystem.deniedReason) }
        }
        report.warnings += mounts.map { "\($0.path) (\($0.type)) is not part of the guest's disk: not descended into" }
        return report
    }
}
