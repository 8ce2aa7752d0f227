import Foundation
import Testing
import DiskImage
// The shared process runner and scratch folder, for every file of these tests.
@_exported import KoopackTestSupport

/// A guest root tree described in memory, written to a host directory, then made into a real
/// filesystem (ext4 with `mkfs.ext4 -d`, XFS with `mkfs.xfs -p`), without mounting anything.
struct RootTree {
    enum Node {
        case file([UInt8], mode: Int)
        case directory(mode: Int)
        case symlink(String)
    }

    /// Guest path → node. Parent directories are made as needed (mode 755).
    var nodes: [String: Node] = [:]

    mutating func file(_ path: String, _ text: String, mode: Int = 0o644) { nodes[path] = .file(Array(text.utf8), mode: mode) }
    mutating func file(_ path: String, bytes: [UInt8], mode: Int = 0o644) { nodes[path] = .file(bytes, mode: mode) }
    mutating func directory(_ path: String, mode: Int = 0o755) { nodes[path] = .directory(mode: mode) }
    mutating func symlink(_ path: String, _ target: String) { nodes[path] = .symlink(target) }
    mutating func remove(_ path: String) {
        nodes = nodes.filter { $0.key != path && !$0.key.hasPrefix(path + "/") }
    }

    /// Writes the tree under `directory` (created), returning it.
    @discardableResult
    func write(to directory: String) throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (path, node) in nodes.sorted(by: { $0.key < $1.key }) {
            let host = directory + path
            try fm.createDirectory(atPath: (host as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            switch node {
            case let .file(bytes, mode):
                try Data(bytes).write(to: URL(fileURLWithPath: host))
                try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: host)
            case let .directory(mode):
                try fm.createDirectory(atPath: host, withIntermediateDirectories: true)
                try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: host)
            case let .symlink(target):
                try fm.createSymbolicLink(atPath: host, withDestinationPath: target)
            }
        }
        return directory
    }

    /// An ext4 filesystem image of `megabytes` holding the tree.
    func ext4(in scratch: Scratch, name: String = "root.ext4", megabytes: Int = 32) throws -> String {
        let source = try write(to: scratch.file(name + ".d"))
        let image = scratch.file(name)
        try Tool.run("mkfs.ext4", ["-q", "-F", "-L", "root", "-d", source, image, "\(megabytes)M"])
        return image
    }

    /// An XFS filesystem image (300 MiB sparse, mkfs.xfs's minimum) holding the tree, made from
    /// a protofile that names each host file.
    func xfs(in scratch: Scratch, name: String = "root.xfs") throws -> String {
        let source = try write(to: scratch.file(name + ".d"))
        var proto = "/dummy\n0 0\nd--755 0 0\n"
        func walk(_ host: String, depth: Int) throws {
            let fm = FileManager.default
            for entry in try fm.contentsOfDirectory(atPath: host).sorted() {
                let path = host + "/" + entry
                let attributes = try fm.attributesOfItem(atPath: path)
                let perms = String((attributes[.posixPermissions] as? Int ?? 0o644), radix: 8)
                let padded = String(repeating: "0", count: max(0, 3 - perms.count)) + perms
                switch attributes[.type] as? FileAttributeType {
                case .typeDirectory?:
                    proto += "\(entry) d--\(padded) 0 0\n"
                    try walk(path, depth: depth + 1)
                    proto += "$\n"
                case .typeSymbolicLink?:
                    proto += "\(entry) l--777 0 0 \(try fm.destinationOfSymbolicLink(atPath: path))\n"
                default:
                    proto += "\(entry) ---\(padded) 0 0 \(path)\n"
                }
            }
        }
        try walk(source, depth: 0)
        proto += "$\n"
        let protoPath = scratch.file(name + ".proto")
        try Data(proto.utf8).write(to: URL(fileURLWithPath: protoPath))
        let image = scratch.file(name)
        _ = FileManager.default.createFile(atPath: image, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: image))
        try handle.truncate(atOffset: 300 << 20)
        try handle.close()
        try Tool.run("mkfs.xfs", ["-f", "-q", "-p", protoPath, image])
        return image
    }
}

/// Guest disks around filesystem images: MBR and GPT tables made by sfdisk on a sparse file,
/// the filesystem copied in place with dd, and conversions made by qemu-img.
enum GuestDisks {
    /// A sparse file of `size` bytes.
    static func sparse(_ path: String, size: UInt64) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: size)
        try handle.close()
    }

    /// Copies `image` into `disk` at byte `offset`, keeping holes (dd conv=notrunc,sparse).
    static func place(_ image: String, into disk: String, atMiB offset: Int) throws {
        try Tool.run("dd", ["if=\(image)", "of=\(disk)", "bs=1M", "seek=\(offset)", "conv=notrunc,sparse", "status=none"])
    }

    /// The size of `path` in MiB, rounded up.
    static func mebibytes(_ path: String) throws -> Int {
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        return (size + (1 << 20) - 1) >> 20
    }

    /// An MBR disk: partition 1 (type 0x83, from 1 MiB) holds `root`.
    static func mbr(root: String, in scratch: Scratch, name: String = "mbr.raw") throws -> String {
        let disk = scratch.file(name)
        let rootMiB = try mebibytes(root)
        try sparse(disk, size: UInt64(rootMiB + 2) << 20)
        try Tool.run("sfdisk", ["-q", disk], input: "label: dos\nstart=2048, size=\(rootMiB * 2048), type=83, bootable\n")
        try place(root, into: disk, atMiB: 1)
        return disk
    }

    /// A GPT disk: partition 1 an EFI system partition (vfat, with /EFI/BOOT), partition 2 a
    /// Linux filesystem partition holding `root`.
    static func gpt(root: String, in scratch: Scratch, name: String = "gpt.raw") throws -> String {
        let disk = scratch.file(name)
        let rootMiB = try mebibytes(root)
        let esp = scratch.file(name + ".esp")
        try? FileManager.default.removeItem(atPath: esp)
        try Tool.run("mkfs.vfat", ["-C", "-n", "ESP", esp, String(8 << 10)])
        if Tool.exists("mmd") {
            try Tool.run("mmd", ["-i", esp, "::/EFI", "::/EFI/BOOT"], environment: ["MTOOLS_SKIP_CHECK": "1"])
        }
        try sparse(disk, size: UInt64(rootMiB + 8 + 2) << 20)
        try Tool.run("sfdisk", ["-q", disk], input: """
            label: gpt
            start=2048, size=16384, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
            start=18432, size=\(rootMiB * 2048), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4

            """)
        try place(esp, into: disk, atMiB: 1)
        try place(root, into: disk, atMiB: 9)
        return disk
    }

    /// `raw` converted by qemu-img to `format` (qcow2, vmdk, vhdx, vpc).
    static func convert(_ raw: String, to format: String, in scratch: Scratch) throws -> String {
        let out = scratch.file((raw as NSString).lastPathComponent + "." + format)
        try Tool.run("qemu-img", ["convert", "-O", format, raw, out])
        return out
    }
}
