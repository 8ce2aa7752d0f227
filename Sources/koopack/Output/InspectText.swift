import DiskImage

/// The compact human summary of one image for `koopack inspect`.
enum InspectText {
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
        row("state", state.isEmpty ? "clean" : state.joined(separator: ", "))
        if case let .object(members)? = info.formatSpecific?["data"] {
            let facts = members.compactMap { key, value -> String? in
                switch value {
                case let .string(s): return "\(key) \(s)"
                case let .bool(b): return "\(key) \(b)"
                case .int, .uint: return "\(key) \(value.serialized(indent: nil))"
                default: return nil
                }
            }
            if !facts.isEmpty { row("details", facts.joined(separator: ", ")) }
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
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
