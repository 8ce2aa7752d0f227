import Foundation
import Testing
import DiskImage

/// The guest trees of KG411–KG417: one holding a case of every rule (each file written here,
/// so the line each finding must name is read off the text below), and one holding the near
/// miss of every rule, which must fire nothing. The secrets are made-up values the reports
/// must never print.
enum RuleTrees {
    /// The values planted as secrets: no report, in any format, may contain one.
    static let secrets = [
        "Zm9vYmFyU0VDUkVUc2stdmFsdWUtMTIzNDU2Nzg5MA", "ObsSecretValue0123456789abcdef", "RcloneSecretValue987654321",
        "NetrcPassw0rdValue", "ZG9ja2VyOkRvY2tlclNlY3JldFZhbHVl", "KubeTokenSecretValue0123456789",
        "PgPassSecretValue42", "EnvSecretValue1234", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
    ]
    /// A root UUID and MBR disk signature set at mkfs and sfdisk time, then read back by blkid.
    static let rootUUID = "5c3e1f2a-8b7d-4e6f-9a1b-2c3d4e5f6a7b"
    static let diskSignature = "4b4f4f50"
    /// The day the tests judge end of life on.
    static let today = "2026-12-05"

    static let ubuntu1804 = "NAME=\"Ubuntu\"\nVERSION=\"18.04.6 LTS (Bionic Beaver)\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"18.04\"\n"
    static let centos7 = "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n"
    static let debian12 = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"

    /// A guest with a case of every rule: (rule, file, line, key) of each finding it must give.
    static func dirty(wtmp: [UInt8]) -> (tree: RootTree, expected: [(rule: String, file: String, line: String, key: String?)]) {
        var tree = GuestTrees.clean()
        tree.file("/etc/os-release", ubuntu1804)
        tree.file("/home/alice/.hcloud/config.json", """
            {
              "current": "default",
              "profiles": [
                {
                  "name": "default",
                  "mode": "AKSK",
                  "accessKeyId": "HPUAXXXXEXAMPLEAKID01",
                  "secretAccessKey": "\(secrets[0])",
                  "region": "ap-southeast-1"
                }
              ]
            }

            """)
        tree.file("/root/.obsutilconfig", "[Credentials]\nak=HPUAOBSEXAMPLEAK\nsk=\(secrets[1])\nendpoint=obs.ap-southeast-1.myhuaweicloud.com\n")
        tree.file("/home/alice/.config/rclone/rclone.conf",
                  "[obs]\ntype = s3\nprovider = HuaweiOBS\naccess_key_id = HPUAEXAMPLE\nsecret_access_key = \(secrets[2])\n")
        tree.file("/home/alice/.netrc", "machine ftp.example.com login alice password \(secrets[3])\n")
        tree.file("/root/.docker/config.json", """
            {
              "auths": {
                "swr.ap-southeast-1.myhuaweicloud.com": {
                  "auth": "\(secrets[4])"
                }
              }
            }

            """)
        tree.file("/home/alice/.kube/config", "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: \(secrets[5])\n")
        tree.file("/home/alice/.pgpass", "db.example.com:5432:*:app:\(secrets[6])\n")
        tree.file("/etc/environment", "PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\"\nHUAWEICLOUD_SDK_SK=\(secrets[7])\n")
        tree.file("/etc/machine-id", "0123456789abcdef0123456789abcdef\n", mode: 0o444)
        tree.file("/etc/udev/rules.d/70-persistent-net.rules",
                  "# net device (virtio_net)\nSUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", ATTR{address}==\"fa:16:3e:12:34:56\", NAME=\"eth0\"\n")
        tree.file("/etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\nBOOTPROTO=dhcp\nHWADDR=fa:16:3e:12:34:56\nONBOOT=yes\n")
        tree.file("/etc/netplan/50-cloud-init.yaml", """
            network:
              version: 2
              ethernets:
                eth0:
                  dhcp4: true
                  match:
                    macaddress: fa:16:3e:12:34:56
                  set-name: eth0

            """)
        tree.file("/etc/network/interfaces", "auto lo\niface lo inet loopback\n\nauto eth1\niface eth1 inet static\n    address 192.168.0.10/24\n")
        tree.file("/etc/fstab", """
            # <file system> <mount point> <type> <options> <dump> <pass>
            UUID=0b1c2d3e-0000-4000-8000-00000000dead /data ext4 defaults 0 2
            /dev/sdb1 /mnt/backup ext4 defaults 0 2

            """)
        tree.file("/boot/grub/grub.cfg", """
            menuentry 'Ubuntu' {
                insmod ext2
                linux /boot/vmlinuz-4.15.0-213-generic root=UUID=deadbeef-0000-4000-8000-000000000001 ro quiet
                initrd /boot/initrd.img-4.15.0-213-generic
            }

            """)
        tree.file("/etc/nginx/ssl/server.key", "-----BEGIN PRIVATE KEY-----\n\(secrets[8])\n-----END PRIVATE KEY-----\n", mode: 0o600)
        tree.file("/var/log/wtmp", bytes: wtmp)
        let expected: [(rule: String, file: String, line: String, key: String?)] = [
            ("KG411", "/home/alice/.hcloud/config.json", "8", "profiles[0].secretAccessKey"),
            ("KG411", "/root/.obsutilconfig", "3", "Credentials.sk"),
            ("KG411", "/home/alice/.config/rclone/rclone.conf", "5", "obs.secret_access_key"),
            ("KG411", "/home/alice/.netrc", "1", "password (machine ftp.example.com)"),
            ("KG411", "/root/.docker/config.json", "4", "auths[\"swr.ap-southeast-1.myhuaweicloud.com\"].auth"),
            ("KG411", "/home/alice/.kube/config", "6", "users[0].user.token"),
            ("KG411", "/home/alice/.pgpass", "1", "password (db.example.com:5432:*:app)"),
            ("KG411", "/etc/environment", "2", "HUAWEICLOUD_SDK_SK"),
            ("KG412", "/etc/machine-id", "1", nil),
            ("KG413", "/etc/udev/rules.d/70-persistent-net.rules", "2", "ATTR{address}"),
            ("KG413", "/etc/sysconfig/network-scripts/ifcfg-eth0", "3", "HWADDR"),
            ("KG413", "/etc/netplan/50-cloud-init.yaml", "7", "network.ethernets.eth0.match.macaddress"),
            ("KG413", "/etc/network/interfaces", "5", "iface eth1 inet static"),
            ("KG414", "/etc/fstab", "2", "/data"),
            ("KG414", "/etc/fstab", "3", "/mnt/backup"),
            ("KG414", "/boot/grub/grub.cfg", "3", "root"),
            ("KG415", "/etc/os-release", "", nil),
            ("KG416", "/etc/nginx/ssl/server.key", "1", "PRIVATE KEY"),
            ("KG417", "/var/log/wtmp", "", nil),
        ]
        return (tree, expected)
    }

    /// The near miss of every rule: nothing may fire.
    static func nearMisses(emptyLastlog: [UInt8]) -> RootTree {
        var tree = GuestTrees.clean()
        tree.remove("/usr/lib/os-release")
        tree.file("/etc/os-release", debian12)
        tree.file("/root/.obsutilconfig", "[Credentials]\n# sk=OldSecretThatWasRemoved\nak=HPUAOBSEXAMPLEAK\nsk=\n")
        tree.file("/home/alice/.hcloud/config.json", "{\"profiles\": [{\"name\": \"default\", \"mode\": \"AKSK\", \"secretAccessKey\": \"\"}]}\n")
        tree.file("/etc/environment", "# HUAWEICLOUD_SDK_SK=OldSecretThatWasRemoved\nHUAWEICLOUD_SDK_SK=$SK_FROM_VAULT\n")
        tree.file("/etc/machine-id", "", mode: 0o444)
        tree.symlink("/var/lib/dbus/machine-id", "/etc/machine-id")
        tree.file("/etc/netplan/50-cloud-init.yaml", "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n")
        tree.file("/etc/network/interfaces", "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n")
        tree.file("/etc/sysconfig/network-scripts/ifcfg-eth0", "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n")
        tree.file("/etc/udev/rules.d/80-net-setup.rules", "SUBSYSTEM==\"net\", ACTION==\"add\", RUN+=\"/bin/true\"\n")
        tree.file("/etc/fstab", """
            UUID=\(rootUUID) / ext4 errors=remount-ro 0 1
            UUID=0b1c2d3e-0000-4000-8000-00000000dead /media/extra ext4 defaults,nofail 0 2
            /dev/sdb1 /mnt/usb ext4 noauto 0 0
            /dev/vda15 /boot/efi vfat defaults,nofail 0 2
            proc /proc proc defaults 0 0

            """)
        tree.file("/boot/grub/grub.cfg", """
            menuentry 'Debian' {
                linux /boot/vmlinuz-6.1.0-28-amd64 root=UUID=\(rootUUID) ro quiet
            }
            menuentry 'Debian (by PARTUUID)' {
                linux /boot/vmlinuz-6.1.0-28-amd64 root=PARTUUID=\(diskSignature)-01 ro
            }
            menuentry 'Debian (virtio)' {
                linux /boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda1 ro resume=UUID=0b1c2d3e-0000-4000-8000-0000000000ff
            }

            """)
        tree.file("/etc/nginx/ssl/server.crt", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
        tree.file("/etc/ssl/certs/server.pem", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
        tree.file("/var/log/wtmp", "")
        tree.file("/var/log/btmp", "", mode: 0o600)
        tree.file("/var/log/lastlog", bytes: emptyLastlog)
        return tree
    }

    /// `text` (utmpdump's format) as a binary wtmp, written by util-linux's `utmpdump -r`.
    static func wtmp(_ text: String) throws -> [UInt8] {
        Array(try Tool.capture("utmpdump", ["-r"], input: Array(text.utf8)).output)
    }

    static let oneLogin = "[7] [01234] [ts/0] [alice   ] [pts/0       ] [203.0.113.5         ] [203.0.113.5    ] [2026-12-01T10:00:00,000000+00:00]\n"

    /// An ext4 image of `tree` with the given UUID (`mkfs.ext4 -U`).
    static func ext4(_ tree: RootTree, uuid: String, in scratch: Scratch, name: String, megabytes: Int = 32) throws -> String {
        let source = try tree.write(to: scratch.file(name + ".d"))
        let image = scratch.file(name)
        try Tool.run("mkfs.ext4", ["-q", "-F", "-L", "root", "-U", uuid, "-d", source, image, "\(megabytes)M"])
        return image
    }

    /// An MBR disk (signature `diskSignature`) whose partition 1 holds `root`.
    static func mbrDisk(root: String, in scratch: Scratch, name: String = "rules.raw") throws -> String {
        let disk = scratch.file(name)
        let rootMiB = try GuestDisks.mebibytes(root)
        try GuestDisks.sparse(disk, size: UInt64(rootMiB + 2) << 20)
        try Tool.run("sfdisk", ["-q", disk], input: "label: dos\nlabel-id: 0x\(diskSignature)\nstart=2048, size=\(rootMiB * 2048), type=83\n")
        try GuestDisks.place(root, into: disk, atMiB: 1)
        return disk
    }

    /// blkid's value of `tag` for the probe at `offset` bytes of `disk` (low-level probing).
    static func blkid(_ disk: String, offset: UInt64? = nil, tag: String) throws -> String {
        var arguments = ["-p", "-o", "value", "-s", tag]
        if let offset { arguments += ["-O", String(offset)] }
        return try Tool.run("blkid", arguments + [disk]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
