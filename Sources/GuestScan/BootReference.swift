/// A name of a filesystem, partition or volume that the guest needs at boot (KG414): an
/// `/etc/fstab` line's device, a systemd mount unit's `What=`, the kernel's `root=` in GRUB's
/// `grub.cfg` or a Boot Loader Specification entry. Each names its device one way (`kind`); the
/// rule compares `value` with what the image holds (`ImageIdentities`).
public struct BootReference: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Which file named it.
    public enum Source: String, Sendable {
        case fstab
        case systemdMount = "systemd mount unit"
        case grub = "grub.cfg"
        case bootLoaderSpec = "boot loader entry"
    }

    /// How the device is named.
    public enum Kind: String, Sendable {
        /// `UUID=` or `/dev/disk/by-uuid/`: a filesystem's UUID.
        case uuid = "UUID"
        /// `LABEL=` or `/dev/disk/by-label/`: a filesystem's label.
        case label = "LABEL"
        /// `PARTUUID=` or `/dev/disk/by-partuuid/`: a GPT partition GUID, or an MBR `SSSSSSSS-NN`.
        case partUUID = "PARTUUID"
        /// `PARTLABEL=` or `/dev/disk/by-partlabel/`: a GPT partition name.
        case partLabel = "PARTLABEL"
        /// `/dev/mapper/VG-LV`, `/dev/VG/LV`, or dracut's `rd.lvm.lv=VG/LV`: an LVM logical
        /// volume, `value` as `VG/LV`.
        case logicalVolume = "LVM logical volume"
        /// Any other `/dev/...` path (`/dev/sda1`, `/dev/vda1`, `/dev/xvda1`), `value` the whole path.
        case devicePath = "device path"
    }

    public var source: Source
    /// The file, as the guest sees it.
    public var path: String
    /// The line, counted from 1.
    public var line: Int
    public var kind: Kind
    /// The UUID, label, `VG/LV` or device path, with escapes (`\040`, `\x20`) decoded; never a
    /// secret, so reports may print it.
    public var value: String
    /// What the reference is for: the mount point (`/home`), `swap`, or the kernel parameter
    /// (`root`, `resume`, `rd.lvm.lv`, `search --fs-uuid`).
    public var usage: String
    /// Whether the guest boots on without it: fstab's `nofail` or `noauto` (systemd units: in
    /// `Options=`). A missing optional device does not stop the boot.
    public var isOptional: Bool

    public init(source: Source, path: String, line: Int, kind: Kind, value: String, usage: String, isOptional: Bool = false) {
        self.source = source
        self.path = path
        self.line = line
        self.kind = kind
        self.value = value
        self.usage = usage
        self.isOptional = isOptional
    }

    public var description: String {
        "\(path):\(line): \(usage) on \(kind.rawValue) \(value)\(isOptional ? " (optional)" : "")"
    }
}

extension BootReference {
    /// The kind and value of a device as fstab, systemd and the kernel command line write it:
    /// `UUID=...`, `LABEL=...`, `PARTUUID=...`, `PARTLABEL=...`, `/dev/disk/by-*/...`,
    /// `/dev/mapper/VG-LV`, `/dev/VG/LV`, `/dev/...`. Nil for what names no local block device
    /// (`proc`, `tmpfs`, `host:/export`, `//server/share`, `$root`). Quotes around a tag's value
    /// are removed; `\x20`-style escapes in `/dev/disk/by-*` names are decoded.
    static func device(_ spec: String) -> (kind: Kind, value: String)? {
        let tags: [(String, Kind)] = [("UUID=", .uuid), ("LABEL=", .label), ("PARTUUID=", .partUUID), ("PARTLABEL=", .partLabel)]
        for (prefix, kind) in tags where spec.uppercased().hasPrefix(prefix) {
            let value = String(SecretValue.unquoted(Substring(spec.dropFirst(prefix.count))))
            return value.isEmpty ? nil : (kind, value)
        }
        let links: [(String, Kind)] = [("/dev/disk/by-uuid/", .uuid), ("/dev/disk/by-label/", .label),
                                       ("/dev/disk/by-partuuid/", .partUUID), ("/dev/disk/by-partlabel/", .partLabel)]
        for (prefix, kind) in links where spec.hasPrefix(prefix) {
            let value = decodeHexEscapes(String(spec.dropFirst(prefix.count)))
            return value.isEmpty ? nil : (kind, value)
        }
        guard spec.hasPrefix("/dev/"), !spec.contains("$") else { return nil }
        if spec.hasPrefix("/dev/mapper/") {
            let name = spec.dropFirst("/dev/mapper/".count)
            if let lv = deviceMapperLogicalVolume(name) { return (.logicalVolume, lv) }
            return (.devicePath, spec)
        }
        let parts = spec.dropFirst(5).split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
           !["disk", "block", "md", "char", "cciss", "ida", "rd", "loop", "nbd", "zvol", "ubi"].contains(String(parts[0])) {
            return (.logicalVolume, "\(parts[0])/\(parts[1])")
        }
        return (.devicePath, spec)
    }

    /// `VG/LV` for a device-mapper name `VG-LV`, where a `-` inside either name is doubled
    /// (`my--vg-root` is `my-vg/root`); nil when the name has no single `-` to split at.
    static func deviceMapperLogicalVolume(_ name: Substring) -> String? {
        var vg = ""
        var rest = name[...]
        while let c = rest.popFirst() {
            if c == "-" {
                if rest.first == "-" {
                    rest.removeFirst()
                    vg.append("-")
                    continue
                }
                let lv = String(rest.replacing("--", with: "-"))
                return vg.isEmpty || lv.isEmpty ? nil : "\(vg)/\(lv)"
            }
            vg.append(c)
        }
        return nil
    }

    /// `\xHH` escapes decoded, as udev writes spaces and slashes in `/dev/disk/by-label` names.
    static func decodeHexEscapes(_ text: String) -> String {
        guard text.contains("\\x") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, utf8.first == UInt8(ascii: "x"),
               let value = UInt8(String(decoding: utf8.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
