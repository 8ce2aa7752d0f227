/// A systemd mount or swap unit written by hand, `/etc/systemd/system/NAME.mount` (or
/// `.swap`): an INI-style file whose `[Mount]` (`[Swap]`) section gives `What=` (the device),
/// `Where=` and `Options=`. Like an fstab line, it stops the boot when its device is missing
/// and it is required, unless its options say `nofail` or `noauto`.
public enum SystemdMountUnit {
    /// Where administrators put their own units.
    public static let directory = "/etc/systemd/system"

    /// The device the unit's `What=` names, when it is a block device; nil otherwise (a unit
    /// that mounts `tmpfs`, an NFS export, or has no `What=`).
    public static func reference(in bytes: [UInt8], path: String) -> BootReference? {
        let entries = INICredentials.entries(bytes).filter { $0.section == "Mount" || $0.section == "Swap" }
        func last(_ key: String) -> INICredentials.Entry? { entries.last { $0.key == key } }
        guard let what = last("What"), let (kind, value) = BootReference.device(String(what.value.trimmingBlanks)) else {
            return nil
        }
        let type = last("Type").map { String($0.value.trimmingBlanks) } ?? ""
        guard !Fstab.virtualTypes.contains(type) else { return nil }
        let options = entries.filter { $0.key == "Options" }.flatMap { $0.value.trimmingBlanks.split(separator: ",") }
        let isSwap = path.hasSuffix(".swap") || entries.contains { $0.section == "Swap" }
        let usage = isSwap ? "swap" : last("Where").map { String($0.value.trimmingBlanks) } ?? path
        return BootReference(source: .systemdMount, path: path, line: what.line, kind: kind, value: value, usage: usage,
                             isOptional: options.contains("nofail") || options.contains("noauto"))
    }
}
