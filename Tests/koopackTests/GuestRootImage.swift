import Foundation

/// A qcow2 image whose guest is one ext4 filesystem made by `mkfs.ext4 -d` from a small root
/// tree: what the scan, sbom and check commands read, made at test time without mounting.
enum GuestRootImage {
    static let available = QemuImg.available && FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.ext4")

    /// Ubuntu 22.04 with cloud-init, and a root account with a usable SHA-512 password hash.
    static let ubuntuWithPresetPassword: [String: String] = [
        "etc/os-release": "ID=ubuntu\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n",
        "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
        "etc/shadow": "root:$6$saltsalt$Qm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eA:19700:0:99999:7:::\nalice:!:19700:0:99999:7:::\n",
        "etc/cloud/cloud.cfg": "users: [default]\n",
        "usr/bin/cloud-init": "#!/bin/sh\n",
        "root/.keep": "",
        "home/alice/.bash_history": "sudo apt update\n",
        "var/lib/dpkg/status": """
            Package: openssl
            Status: install ok installed
            Architecture: amd64
            Version: 3.0.2-0ubuntu1.15

            Package: bash
            Status: install ok installed
            Architecture: amd64
            Version: 5.1-6ubuntu1.1

            Package: removed-tool
            Status: deinstall ok config-files
            Architecture: amd64
            Version: 1.0-1

            """,
    ]

    /// Builds the tree `files` (path → text), makes a 64 MiB ext4 of it and converts it to qcow2.
    static func make(_ files: [String: String], in scratch: Scratch, name: String = "web.qcow2",
                     adding extra: (String) throws -> Void = { _ in }) throws -> String {
        let root = scratch.file("root-\(name)")
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        try extra(root)
        let raw = scratch.file("\(name).raw")
        FileManager.default.createFile(atPath: raw, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: raw))
        try handle.truncate(atOffset: 64 << 20)
        try handle.close()
        try Tool.run("mkfs.ext4", ["-q", "-F", "-d", root, raw])
        let image = scratch.file(name)
        try QemuImg.run(["convert", "-O", "qcow2", raw, image])
        return image
    }
}
