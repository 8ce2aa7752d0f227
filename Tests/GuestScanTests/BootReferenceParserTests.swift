import Testing
@testable import GuestScan

/// The KG414 parsers: fstab lines, systemd mount units, GRUB's kernel lines and Boot Loader
/// Specification entries give the devices the boot needs, with their kind, value and line.
@Suite struct BootReferenceParserTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func fstabNamesEveryKindOfDeviceAndMarksNofailAndNoautoOptional() {
        let text = """
            # /etc/fstab: static file system information.
            UUID=0a1b2c3d-1111-2222-3333-444455556666 /               ext4    errors=remount-ro 0       1
            LABEL=boot\\040disk /boot ext4 defaults 0 2
            PARTUUID=1a2b3c4d-01 /boot/efi vfat umask=0077 0 1
            /dev/disk/by-uuid/9f8e7d6c-0000-1111-2222-333344445555 /data xfs defaults,nofail 0 0
            /dev/mapper/vg--data-home /home ext4 defaults 0 2
            /dev/vg0/srv /srv xfs noauto 0 0
            /dev/sdb1 /mnt/extra ext4 defaults 0 0
            /dev/vda2 none swap sw 0 0
            proc /proc proc defaults 0 0
            tmpfs /tmp tmpfs defaults 0 0
            server:/export /nfs nfs defaults 0 0
            /srv/data /var/data none bind 0 0
            #UUID=dead-beef / ext4 defaults 0 1
            """
        let refs = Fstab.references(in: Self.bytes(text))
        #expect(refs.map(\.kind) == [.uuid, .label, .partUUID, .uuid, .logicalVolume, .logicalVolume, .devicePath, .devicePath])
        #expect(refs.map(\.value) == ["0a1b2c3d-1111-2222-3333-444455556666", "boot disk", "1a2b3c4d-01",
                                      "9f8e7d6c-0000-1111-2222-333344445555", "vg-data/home", "vg0/srv", "/dev/sdb1", "/dev/vda2"])
        #expect(refs.map(\.usage) == ["/", "/boot", "/boot/efi", "/data", "/home", "/srv", "/mnt/extra", "swap"])
        #expect(refs.map(\.isOptional) == [false, false, false, true, false, true, false, false])
        #expect(refs.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9])
        #expect(refs.allSatisfy { $0.source == .fstab && $0.path == "/etc/fstab" })
    }

    @Test func deviceNamesParseAsTheKernelAndUdevName() {
        #expect(BootReference.device("UUID=\"abcd\"")?.value == "abcd")
        #expect(BootReference.device("uuid=abcd")?.kind == .uuid)
        #expect(BootReference.device("PARTLABEL=EFI\\x20System")?.value == "EFI\\x20System")
        #expect(BootReference.device("/dev/disk/by-label/EFI\\x20System")?.value == "EFI System")
        #expect(BootReference.device("/dev/mapper/rhel-root")?.value == "rhel/root")
        #expect(BootReference.device("/dev/mapper/luks")?.kind == .devicePath)
        #expect(BootReference.device("/dev/disk/by-id/wwn-0x5000")?.kind == .devicePath)
        #expect(BootReference.device("/dev/md/raid1")?.kind == .devicePath)
        #expect(BootReference.device("UUID=") == nil)
        #expect(BootReference.device("$root") == nil)
        #expect(BootReference.device("/dev/$dev") == nil)
        #expect(BootReference.deviceMapperLogicalVolume("my--vg-my--lv") == "my-vg/my-lv")
        #expect(BootReference.deviceMapperLogicalVolume("nodash") == nil)
    }

    @Test func aSystemdMountUnitNamesItsWhatAndOptionsDecideOptional() {
        let unit = """
            [Unit]
            Description=Data disk

            [Mount]
            What=/dev/disk/by-uuid/5e1f0000-aaaa-bbbb-cccc-ddddeeeeffff
            Where=/data
            Type=xfs
            Options=defaults,nofail

            [Install]
            WantedBy=multi-user.target
            """
        #expect(SystemdMountUnit.reference(in: Self.bytes(unit), path: "/etc/systemd/system/data.mount")
            == BootReference(source: .systemdMount, path: "/etc/systemd/system/data.mount", line: 5, kind: .uuid,
                             value: "5e1f0000-aaaa-bbbb-cccc-ddddeeeeffff", usage: "/data", isOptional: true))
        let swap = "[Swap]\nWhat=LABEL=swap0\n"
        #expect(SystemdMountUnit.reference(in: Self.bytes(swap), path: "/etc/systemd/system/dev-disk-swap.swap")?.usage == "swap")
        let tmpfs = "[Mount]\nWhat=tmpfs\nWhere=/run/x\nType=tmpfs\n"
        #expect(SystemdMountUnit.reference(in: Self.bytes(tmpfs), path: "/etc/systemd/system/run-x.mount") == nil)
    }

    @Test func grubKernelLinesGiveRootResumeAndLVMReferences() {
        let text = """
            menuentry 'Debian GNU/Linux' --class debian {
                    search --no-floppy --fs-uuid --set=root 0a1b2c3d-1111-2222-3333-444455556666
                    echo    'Loading Linux 6.1.0-18-amd64 ...'
                    linux   /boot/vmlinuz-6.1.0-18-amd64 root=UUID=0a1b2c3d-1111-2222-3333-444455556666 ro quiet
                    initrd  /boot/initrd.img-6.1.0-18-amd64
            }
            menuentry 'CentOS' {
                    linux16 /vmlinuz-3.10.0 root=/dev/mapper/centos-root ro rd.lvm.lv=centos/root rd.lvm.lv=centos/swap resume=/dev/mapper/centos-swap
            }
            #       linux /vmlinuz root=UUID=ffffffff-0000-0000-0000-000000000000
                    linux ${rel_dirname}/${basename} root=${linux_root_device_thisversion} ro
            """
        let refs = GrubConfig.references(in: Self.bytes(text), path: "/boot/grub/grub.cfg")
        #expect(refs.map(\.usage) == ["root", "root", "rd.lvm.lv", "rd.lvm.lv", "resume"])
        #expect(refs.map(\.value) == ["0a1b2c3d-1111-2222-3333-444455556666", "centos/root", "centos/root", "centos/swap", "centos/swap"])
        #expect(refs.map(\.line) == [4, 8, 8, 8, 8])
        #expect(refs.map(\.isOptional) == [false, false, false, false, true])
    }

    @Test func bootLoaderEntriesExpandKernelOptsFromTheGrubEnvironment() {
        let entry = """
            title Rocky Linux (5.14.0-362.8.1.el9_3.x86_64) 9.3 (Blue Onyx)
            version 5.14.0-362.8.1.el9_3.x86_64
            linux /vmlinuz-5.14.0-362.8.1.el9_3.x86_64
            initrd /initramfs-5.14.0-362.8.1.el9_3.x86_64.img $tuned_initrd
            options root=UUID=11112222-3333-4444-5555-666677778888 ro crashkernel=1G-4G:192M
            grub_users $grub_users
            """
        let refs = BootLoaderSpec.references(in: Self.bytes(entry), path: "/boot/loader/entries/x.conf")
        #expect(refs == [BootReference(source: .bootLoaderSpec, path: "/boot/loader/entries/x.conf", line: 5, kind: .uuid,
                                       value: "11112222-3333-4444-5555-666677778888", usage: "root")])
        let rhel8 = "title Red Hat\noptions $kernelopts $tuned_params\n"
        var grubenv = Array("# GRUB Environment Block\nsaved_entry=abc\nkernelopts=root=/dev/mapper/rhel-root ro resume=UUID=aaaa rd.lvm.lv=rhel/root\n".utf8)
        grubenv += [UInt8](repeating: UInt8(ascii: "#"), count: 1024 - grubenv.count)
        let expanded = BootLoaderSpec.references(in: Self.bytes(rhel8), path: "/boot/loader/entries/r.conf", grubenv: grubenv)
        #expect(expanded.map(\.value) == ["rhel/root", "aaaa", "rhel/root"])
        #expect(BootLoaderSpec.references(in: Self.bytes(rhel8), path: "/boot/loader/entries/r.conf").isEmpty)
    }
}
