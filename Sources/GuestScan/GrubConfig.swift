/// GRUB's generated configuration, `grub.cfg` (`/boot/grub/grub.cfg` on Debian and Ubuntu,
/// `/boot/grub2/grub.cfg` on Red Hat's family, and the EFI copies), and GRUB Legacy's
/// `menu.lst`: each menu entry loads the kernel with a `linux` (`linux16`, `linuxefi`;
/// Legacy: `kernel`) line whose parameters name the root device.
public enum GrubConfig {
    /// Where distributions put the file.
    public static let paths = ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", "/boot/efi/EFI/debian/grub.cfg",
                               "/boot/efi/EFI/ubuntu/grub.cfg", "/boot/efi/EFI/centos/grub.cfg",
                               "/boot/efi/EFI/redhat/grub.cfg", "/boot/efi/EFI/rocky/grub.cfg",
                               "/boot/efi/EFI/almalinux/grub.cfg", "/boot/efi/EFI/openEuler/grub.cfg",
                               "/boot/grub/menu.lst"]
    /// Commands that load a Linux kernel, followed by its path and parameters.
    static let kernelCommands: Set<Substring> = ["linux", "linux16", "linuxefi", "kernel"]

    /// The devices the kernel lines name (`root=`, `resume=`, `rd.lvm.lv=`), one reference per
    /// parameter per line. Parameters written as GRUB variables (`root=$rootdev`) are skipped.
    public static func references(in bytes: [UInt8], path: String) -> [BootReference] {
        var references: [BootReference] = []
        for line in GuestTextLines(bytes).joiningContinuations() where !line.isBlankOrComment() {
            let text = line.trimmed
            let command = text.prefix { $0 != " " && $0 != "\t" }
            guard kernelCommands.contains(command) else { continue }
            // The first word after the command is the kernel's path; the rest are its parameters.
            let afterCommand = text[command.endIndex...].drop { $0 == " " || $0 == "\t" }
            let parameters = afterCommand.drop { $0 != " " && $0 != "\t" }
            references += KernelCommandLine.references(parameters, source: .grub, path: path, line: line.number)
        }
        return references
    }
}
