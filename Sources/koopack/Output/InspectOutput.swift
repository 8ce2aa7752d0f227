import DiskImage

/// The compact human summary of one image for `koopack inspect`.
enum InspectText {
    /// The image's block; with `backingChain`, then the block of each image below it.
    static func render(_ info: ImageInfo, backingChain: Bool) -> String {
        ([info] + (backingChain ? info.backingChain : [])).map(render).concatenated()
    }

    static func render(_ info: ImageInfo) -> String {
        var lines: [String] = [Terminal.bold(info.filename)]
        func row(_ label: String, _ value: String) {
            lines.append("  " + label.padding(13) + " " + value)
        }
        var format = info.format
        if let subformat = info.subformat { format += " (\(subformat))" }
        if !info.headerRead { format += ", header not read: no public specification" }
        row("format", format)
        row("virtual size", Sizes.describe(info.virtualSize))
        if let actual = info.actualSize { row("on disk", Sizes.describe(actual)) }
        if let cluster = info.clusterSize { row("cluster size", Sizes.grouped(cluster) + " bytes") }
        if let backing = info.backingFilename {
            var value = backing
            if let full = info.fullBackingFilename, full != backing { value += " → \(full)" }
            if let format = info.backingFormat { value += " (\(format))" }
            row("backing file", value)
            for (depth, parent) in info.backingChain.enumerated() {
                row(depth == 0 ? "chain" : "", "\(parent.filename): \(parent.format), \(Sizes.binary(parent.virtualSize))")
            }
        }
        if let parent = info.parentReference { row("parent", parent) }
        if let dataFile = info.externalDataFile { row("data file", dataFile) }
        row("encryption", info.encrypted ? Terminal.red(info.encryptionFormat?.rawValue ?? "yes") : "none")
        var state: [String] = []
        if info.dirty == true { state.append(Terminal.yellow("dirty")) }
        if info.corrupt { state.append(Terminal.red("corrupt")) }
        row("state", state.isEmpty ? "clean" : state.concatenated(separator: ", "))
        if case let .object(members)? = info.formatSpecific?["data"] {
            let facts = members.compactMap { key, value -> String? in
                switch value {
                case let .string(s): return "\(key) \(s)"
                case let .bool(b): return "\(key) \(b)"
                case .int, .uint: return "\(key) \(value.serialized(indent: nil))"
                default: return nil
                }
            }
            if !facts.isEmpty { row("details", facts.concatenated(separator: ", ")) }
        }
        if let guest = info.guest {
            var summary = "\(guest.partitionTable) partition table, boot \(guest.boot)"
            if guest.partitionTable == .none {
                summary = guest.filesystem.map { "no partition table, \($0) filesystem, boot \(guest.boot)" }
                    ?? "no partition table and no filesystem (blank, or nothing koopack recognises)"
            }
            row("guest", summary)
            for partition in guest.partitions {
                var text = "\(partition.index): \(Sizes.binary(partition.size)) at \(Sizes.grouped(partition.start))"
                text += ", \(partition.typeName ?? partition.type)"
                if let filesystem = partition.filesystem?.name { text += ", \(filesystem)" }
                if let name = partition.name, !name.isEmpty { text += " \"\(name)\"" }
                if partition.bootable { text += ", bootable" }
                row("", text)
            }
            for warning in guest.warnings { row("warning", Terminal.yellow("guest: " + warning)) }
        }
        for warning in info.warnings { row("warning", Terminal.yellow(warning)) }
        return lines.concatenated(separator: "\n") + "\n"
    }
}

/// `koopack inspect --output=json`: what `qemu-img info --output=json` prints, for scripts
/// that swap one for the other.
enum InspectJSON {
    /// The keys qemu-img info prints (QEMU 7.2's `ImageInfo`); koopack's own (`subformat`,
    /// `warnings`, `guest`, ...) are left out.
    static let qemuKeys: Set<String> = [
        "filename", "format", "virtual-size", "actual-size", "cluster-size", "encrypted", "backing-filename",
        "full-backing-filename", "backing-filename-format", "dirty-flag", "format-specific",
    ]
    /// The formats whose QEMU driver reports `format-specific` data; koopack reports more (the
    /// header facts of VHD, VHDX, VDI, QED, ...), which qemu-img does not print.
    static let formatsWithSpecificData: Set<String> = ["qcow2", "vmdk", "luks"]
    /// The formats whose QEMU driver reports no cluster size (`bdrv_get_info` unimplemented).
    static let formatsWithoutClusterSize: Set<String> = ["parallels"]

    /// One object for the image; with `backingChain`, an array of it and each image below it,
    /// top first, each with its own allocated size, as `qemu-img info --backing-chain` prints.
    static func qemu(_ info: ImageInfo, backingChain: Bool) -> JSONValue {
        guard backingChain else { return qemu(info) }
        let resolver = HostFileResolver()
        return .array([qemu(info)] + info.backingChain.map { parent in
            var parent = parent
            if parent.actualSize == nil { parent.actualSize = resolver.allocatedSize(of: parent.filename) }
            return qemu(parent)
        })
    }

    /// The image's JSON with qemu-img's keys only.
    static func qemu(_ info: ImageInfo) -> JSONValue {
        guard case let .object(members) = info.json else { return info.json }
        return .object(members.filter { key, _ in
            qemuKeys.contains(key)
                && (key != "format-specific" || formatsWithSpecificData.contains(info.format))
                && (key != "cluster-size" || !formatsWithoutClusterSize.contains(info.format))
        })
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
