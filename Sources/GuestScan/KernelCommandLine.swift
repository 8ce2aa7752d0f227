/// The kernel parameters of a boot entry that name a device the boot waits for: `root=` (the
/// root filesystem: without it the initramfs stops), `rd.lvm.lv=` (dracut activates and waits
/// for that logical volume) and `resume=` (the hibernation image: the initramfs waits for it,
/// then boots on, so it is optional).
enum KernelCommandLine {
    /// Parameters that name a device, whether the boot goes on without it.
    static let deviceParameters: [(name: String, optional: Bool)] = [("root", false), ("rd.lvm.lv", false), ("resume", true)]

    /// The parameters of `arguments` (a command line, or the words after the kernel's path),
    /// split at blanks with double quotes honoured: `name=value` pairs and bare flags (value nil).
    static func parameters(_ arguments: Substring) -> [(name: Substring, value: Substring?)] {
        var result: [(name: Substring, value: Substring?)] = []
        var start: Substring.Index?
        var quoted = false
        var i = arguments.startIndex
        func finish(_ end: Substring.Index) {
            guard let s = start else { return }
            let word = arguments[s..<end].filter { $0 != "\"" }[...]
            if let equals = word.firstIndex(of: "=") {
                result.append((word[..<equals], word[word.index(after: equals)...]))
            } else {
                result.append((word, nil))
            }
            start = nil
        }
        while i < arguments.endIndex, result.count < 1024 {
            let c = arguments[i]
            if c == "\"" { quoted.toggle() }
            if !quoted, c == " " || c == "\t" {
                finish(i)
            } else if start == nil {
                start = i
            }
            i = arguments.index(after: i)
        }
        finish(arguments.endIndex)
        return result
    }

    /// The device references among `arguments`, found at `line` of `path` by `source`. An LVM
    /// name given to `rd.lvm.lv` (`VG/LV`) is a logical volume; `root=` and `resume=` take the
    /// forms fstab does.
    static func references(_ arguments: Substring, source: BootReference.Source, path: String, line: Int) -> [BootReference] {
        var references: [BootReference] = []
        for (name, value) in parameters(arguments) {
            guard let value, !value.isEmpty, let parameter = deviceParameters.first(where: { $0.name == name }) else { continue }
            let device: (kind: BootReference.Kind, value: String)?
            if parameter.name == "rd.lvm.lv" {
                let parts = value.split(separator: "/", omittingEmptySubsequences: false)
                device = parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty ? (.logicalVolume, String(value)) : nil
            } else {
                device = BootReference.device(String(value))
            }
            guard let device else { continue }
            references.append(BootReference(source: source, path: path, line: line, kind: device.kind, value: device.value,
                                            usage: parameter.name, isOptional: parameter.optional))
        }
        return references
    }
}
