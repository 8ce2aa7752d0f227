/// `/etc/fstab`: one filesystem per line, `SPEC FILE VFSTYPE OPTIONS FREQ PASSNO`, fields
/// separated by blanks, with `\040`-style octal escapes for spaces in them. systemd turns each
/// line into a mount (or swap) unit that local-fs.target requires, unless its options say
/// `nofail` or `noauto`: a required device that never appears drops the boot to emergency mode.
public enum Fstab {
    /// The file.
    public static let path = "/etc/fstab"
    /// Filesystem types that need no block device (an entry of these never names one).
    static let virtualTypes: Set<String> = [
        "proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "ramfs", "cgroup", "cgroup2", "securityfs",
        "debugfs", "tracefs", "hugetlbfs", "mqueue", "pstore", "efivarfs", "bpf", "configfs", "fusectl",
        "binfmt_misc", "autofs", "nfs", "nfs4", "cifs", "smb3", "sshfs", "fuse.sshfs", "9p", "virtiofs",
        "glusterfs", "ceph", "none", "overlay",
    ]

    /// One line of the file.
    public struct Entry: Sendable, Equatable {
        public var spec: String
        public var mountPoint: String
        public var type: String
        public var options: [String]
        public var line: Int

        /// `nofail` or `noauto`: the boot goes on without it.
        public var isOptional: Bool { options.contains("nofail") || options.contains("noauto") }
    }

    /// Every entry (lines with at least a spec and a mount point), escapes decoded.
    public static func entries(in bytes: [UInt8]) -> [Entry] {
        var entries: [Entry] = []
        for line in GuestTextLines(bytes) where !line.isBlankOrComment() {
            let fields = line.trimmed.words.map { decodeOctalEscapes($0) }
            guard fields.count >= 2 else { continue }
            entries.append(Entry(spec: fields[0], mountPoint: fields[1], type: fields.count > 2 ? fields[2] : "auto",
                                 options: fields.count > 3 ? fields[3].split(separator: ",").map(String.init) : ["defaults"],
                                 line: line.number))
        }
        return entries
    }

    /// The block devices the file names: one reference per entry whose spec is a tag or a
    /// `/dev` path and whose type needs a device, `usage` its mount point (`swap` for swap).
    public static func references(in bytes: [UInt8], path: String = Fstab.path) -> [BootReference] {
        entries(in: bytes).compactMap { entry in
            guard !virtualTypes.contains(entry.type), !entry.options.contains("bind"),
                  let (kind, value) = BootReference.device(entry.spec) else { return nil }
            return BootReference(source: .fstab, path: path, line: entry.line, kind: kind, value: value,
                                 usage: entry.type == "swap" ? "swap" : entry.mountPoint, isOptional: entry.isOptional)
        }
    }

    /// `\NNN` octal escapes (`\040` for a space) decoded, as getmntent does.
    static func decodeOctalEscapes(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
               utf8.prefix(3).allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }),
               let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
