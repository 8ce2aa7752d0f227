import Foundation
import Testing
import DiskImage

/// The guest root trees the scan tests build, with what each was built to hold.
enum GuestTrees {
    /// A SHA-512 crypt hash of "hunter2hunter2" (made with `openssl passwd -6 -salt saltsalt`);
    /// the scan must never print it.
    static let sha512Hash = "$6$saltsalt$yj/VLDgMjQCnRrAPBPKh5HRcgRfPSij0FYWRBJPofYcgCjjgCNa3CNbnWjuOFhRBFREybzjwmhkhe33hM4L6b1"
    /// A hash in the shape of the yescrypt hashes Debian 11+ writes (not of any password).
    static let yescryptHash = "$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"

    static let ed25519Private = """
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
        QyNTUxOQAAACBmYWtlZmFrZWZha2VmYWtlZmFrZWZha2VmYWtlZmFrZQAAAJgAAAAA
        -----END OPENSSH PRIVATE KEY-----

        """
    static let rsaPrivate = """
        -----BEGIN RSA PRIVATE KEY-----
        MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
        -----END RSA PRIVATE KEY-----

        """
    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2VmYWtlZmFrZWZha2VmYWtlZmFrZWZha2VmYWtl seller@laptop\n"

    /// This machine's own os-release (Debian 12 here), or a Debian 12 one when it has none.
    static var hostOSRelease: String {
        (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? """
            PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
            NAME="Debian GNU/Linux"
            VERSION_ID="12"
            VERSION="12 (bookworm)"
            VERSION_CODENAME=bookworm
            ID=debian

            """
    }

    /// This machine's real dpkg database, so the SBOM tests read a realistic one.
    static var hostDpkgStatus: [UInt8]? {
        FileManager.default.contents(atPath: "/var/lib/dpkg/status").map { [UInt8]($0) }
    }

    /// A guest that passes the whole scan: every near miss of every rule. Locked passwords
    /// (`*`, `!`, `!!`, `!*`, `!$6$...`), an empty authorized_keys and one with only a comment,
    /// only public keys, a zero-byte history, an empty /var/lib/cloud/instances, cloud-init
    /// installed, no host private keys.
    static func clean() -> RootTree {
        var tree = RootTree()
        tree.file("/usr/lib/os-release", hostOSRelease)
        tree.symlink("/etc/os-release", "../usr/lib/os-release")
        tree.file("/etc/passwd", """
            root:x:0:0:root:/root:/bin/bash
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
            alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
            bob:x:1001:1001::/home/bob:/bin/bash
            carol:x:1002:1002::/srv/carol:/bin/sh

            """)
        tree.file("/etc/shadow", """
            root:*:19700:0:99999:7:::
            daemon:!!:19700:0:99999:7:::
            sshd:!*:19700::::::
            alice:!\(sha512Hash):19700:0:99999:7:::
            bob:!:19700:0:99999:7:::
            carol:*LK*:19700:0:99999:7:::

            """, mode: 0o640)
        tree.directory("/root/.ssh", mode: 0o700)
        tree.file("/root/.ssh/authorized_keys", "", mode: 0o600)
        tree.file("/root/.ssh/authorized_keys2", "# keys are injected by cloud-init at first boot\n\n", mode: 0o600)
        tree.file("/root/.bash_history", "", mode: 0o600)
        tree.file("/root/.bashrc", "# ~/.bashrc\nexport PS1='\\u@\\h:\\w\\$ '\n")
        tree.file("/home/alice/.ssh/id_ed25519.pub", publicKey)
        tree.file("/home/alice/.ssh/known_hosts", "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
        tree.file("/home/alice/notes.txt", "-----BEGIN PUBLIC KEY-----\nnot a private one\n-----END PUBLIC KEY-----\n")
        tree.file("/home/alice/.zsh_history", "")
        tree.directory("/home/bob")
        tree.directory("/srv/carol")
        tree.file("/etc/ssh/ssh_config", "Host *\n")
        tree.file("/etc/ssh/sshd_config", "PermitRootLogin prohibit-password\n")
        tree.file("/etc/ssh/ssh_host_ed25519_key.pub", publicKey)
        tree.file("/usr/bin/cloud-init", "#!/usr/bin/python3\n", mode: 0o755)
        tree.file("/etc/cloud/cloud.cfg", "users:\n  - default\n")
        tree.directory("/var/lib/cloud/instances")
        tree.file("/bin/sh", "#!fake\n", mode: 0o755)
        return tree
    }

    /// A guest that fires KG401–KG406 and KG408 (cloud-init is installed, so not KG407),
    /// with this machine's dpkg database.
    static func dirty() -> RootTree {
        var tree = clean()
        tree.file("/etc/passwd", """
            root:x:0:0:root:/root:/bin/bash
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
            bob:x:1001:1001::/home/bob:/bin/bash
            nopw::1002:1002::/home/nopw:/bin/sh

            """)
        tree.file("/etc/shadow", """
            root:\(sha512Hash):19700:0:99999:7:::
            daemon:*:19700:0:99999:7:::
            alice:!\(yescryptHash):19700:0:99999:7:::
            bob::19700:0:99999:7:::

            """, mode: 0o640)
        tree.file("/root/.ssh/authorized_keys", publicKey, mode: 0o600)
        tree.file("/home/alice/.bash_history", "ls -la\nsudo passwd root\n")
        tree.file("/home/alice/.ssh/id_ed25519", ed25519Private, mode: 0o600)
        tree.file("/home/alice/backup.pem", rsaPrivate, mode: 0o600)
        tree.file("/etc/ssh/ssh_host_ed25519_key", ed25519Private, mode: 0o600)
        tree.directory("/home/nopw")
        tree.directory("/var/lib/cloud/instances/i-0123456789abcdef/sem")
        if let status = hostDpkgStatus { tree.file("/var/lib/dpkg/status", bytes: status) }
        return tree
    }

    /// The findings `dirty()` was built to fire, as (rule, evidence "account" or "file").
    static let dirtyFindings: [(String, String)] = [
        ("KG401", "root"),
        ("KG402", "bob"),
        ("KG402", "nopw"),
        ("KG403", "/root/.ssh/authorized_keys"),
        ("KG404", "/home/alice/.ssh/id_ed25519"),
        ("KG404", "/home/alice/backup.pem"),
        ("KG405", "/etc/ssh/ssh_host_ed25519_key"),
        ("KG406", "/home/alice/.bash_history"),
        ("KG408", "/var/lib/cloud/instances"),
    ]
}
