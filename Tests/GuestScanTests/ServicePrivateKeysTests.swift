import Foundation
import Testing
import DiskImage
import GuestFilesystem
@testable import GuestScan

/// KG416's search of the service directories, over ext4 guests made with `mkfs.ext4 -d`, with
/// keys and certificates made by OpenSSL and ssh-keygen at test time.
@Suite struct ServicePrivateKeysTests {
    @Test func keysWhereServicesKeepThemAreFoundAndCertificatesLinksAndHostKeysAreNot() throws {
        guard let made = try RecordsAndKeysTests.opensslKeyAndCertificate(), Tool.exists("mkfs.ext4") else { return }
        var tree = RootTree()
        tree.file("/etc/nginx/ssl/server.key", bytes: made.key, mode: 0o600)
        tree.file("/etc/nginx/ssl/server.crt", bytes: made.certificate)
        tree.file("/etc/ssl/private/bundle.pem", bytes: made.certificate + made.key, mode: 0o600)
        tree.file("/opt/app/config/deploy", bytes: made.openssh, mode: 0o600)
        tree.file("/srv/www/index.html", "<html></html>\n")
        tree.file("/root/id_rsa", bytes: made.openssh, mode: 0o600)
        tree.symlink("/var/www/key-link", "/root/id_rsa")
        tree.file("/etc/ssh/ssh_host_ed25519_key", bytes: made.openssh, mode: 0o600)
        // Larger than the 1 MiB KG416 opens: not read.
        tree.file("/srv/huge.bin", bytes: made.key + [UInt8](repeating: 0x41, count: 1 << 20))
        let scratch = try Scratch()
        let fs = try Ext4FileSystem(FileByteSource(path: try tree.ext4(in: scratch)))
        let certificateLines = made.certificate.filter { $0 == UInt8(ascii: "\n") }.count

        let result = ServicePrivateKeys.find(in: fs)
        #expect(result.keys == [
            PrivateKeyHit(path: "/etc/ssl/private/bundle.pem", line: certificateLines + 1, kind: "PRIVATE KEY"),
            PrivateKeyHit(path: "/etc/nginx/ssl/server.key", line: 1, kind: "PRIVATE KEY"),
            PrivateKeyHit(path: "/opt/app/config/deploy", line: 1, kind: "OPENSSH PRIVATE KEY"),
        ])
        #expect(!result.truncated && result.unreadable.isEmpty)
        // The SSH host keys are KG405's even when /etc/ssh is searched.
        #expect(ServicePrivateKeys.find(in: fs, directories: ["/etc/ssh"]).keys.isEmpty)
    }

    @Test func theSearchStopsAfterTwentyThousandFilesAndSaysSo() throws {
        guard Tool.exists("mkfs.ext4") else { return }
        var tree = RootTree()
        for i in 0..<(PrivateKeyFile.maxFilesLookedAt + 10) { tree.file("/srv/many/file-\(i)", "") }
        tree.file("/var/www/late.key", "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n")
        let scratch = try Scratch()
        let source = try tree.write(to: scratch.file("tree"))
        let image = scratch.file("many.ext4")
        try Tool.run("mkfs.ext4", ["-q", "-F", "-N", "24000", "-d", source, image, "64M"])
        let result = ServicePrivateKeys.find(in: try Ext4FileSystem(FileByteSource(path: image)))
        #expect(result.truncated)
        #expect(result.filesLookedAt == PrivateKeyFile.maxFilesLookedAt)
        #expect(result.keys.isEmpty)
    }
}
