/// Boot Loader Specification entries, `/boot/loader/entries/*.conf` (Red Hat's family since
/// RHEL 8, openEuler, Fedora): one `KEY value` per line; `options` lines give the kernel's
/// parameters. GRUB expands variables in them, and RHEL 8 writes `options $kernelopts`, whose
/// value lives in GRUB's environment block (`grubenv`).
public enum BootLoaderSpec {
    /// Where the entries live.
    public static let directory = "/boot/loader/entries"
    /// Where GRUB's environment block lives, by distribution family.
    public static let grubenvPaths = ["/boot/grub2/grubenv", "/boot/efi/EFI/redhat/grubenv",
                                      "/boot/efi/EFI/centos/grubenv", "/boot/efi/EFI/rocky/grubenv",
                                      "/boot/efi/EFI/almalinux/grubenv", "/boot/grub/grubenv"]

    /// The devices the entry's `options` lines name. `$kernelopts` (or `${kernelopts}`) is
    /// replaced by `grubenv`'s `kernelopts` when the environment block is given.
    public static func references(in bytes: [UInt8], path: String, grubenv: [UInt8]? = nil) -> [BootReference] {
        let kernelopts = grubenv.flatMap { environment($0)["kernelopts"] }
        var references: [BootReference] = []
        for line in GuestTextLines(bytes) where !line.isBlankOrComment() {
            let text = line.trimmed
            guard text.hasPrefix("options"), text.dropFirst(7).first.map({ $0 == " " || $0 == "\t" }) == true else { continue }
            var options = String(text.dropFirst(7))
            // (bounded: a grubenv is 1 KiB and a real options line a few hundred bytes, so a
            // hostile line of many `$kernelopts` cannot expand without end)
            if let kernelopts, kernelopts.utf8.count <= 4096, options.utf8.count <= 4096 {
                options = String(options.replacing("${kernelopts}", with: kernelopts).replacing("$kernelopts", with: kernelopts))
            }
            references += KernelCommandLine.references(options[...], source: .bootLoaderSpec, path: path, line: line.number)
        }
        return references
    }

    /// The variables of a GRUB environment block (`grub2-editenv list`): `name=value` lines
    /// after the `# GRUB Environment Block` header, padded with `#` to 1 KiB.
    public static func environment(_ bytes: [UInt8]) -> [String: String] {
        var variables: [String: String] = [:]
        for line in GuestTextLines(bytes) where !line.isBlankOrComment() {
            guard let equals = line.text.firstIndex(of: "="), equals != line.text.startIndex else { continue }
            variables[String(line.text[..<equals])] = String(line.text[line.text.index(after: equals)...])
        }
        return variables
    }
}
