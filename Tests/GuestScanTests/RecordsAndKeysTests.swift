import Foundation
import Testing
@testable import GuestScan

/// KG412, KG416 and KG417's detectors: the machine ID, private keys in files, and login records.
@Suite struct RecordsAndKeysTests {
    @Test func aMachineIDIsAnIDAndEmptyOrUninitializedIsNot() {
        #expect(MachineID.content(Array("4c4c4544003510488051b4c04f4d5931\n".utf8)) == .id)
        #expect(MachineID.content(Array("4C4C4544003510488051B4C04F4D5931".utf8)) == .id)
        #expect(MachineID.content([]) == .empty)
        #expect(MachineID.content(Array("\n".utf8)) == .empty)
        #expect(MachineID.content(Array("uninitialized\n".utf8)) == .uninitialized)
        #expect(MachineID.content(Array("00000000000000000000000000000000\n".utf8)) == .invalid)
        #expect(MachineID.content(Array("not an id\n".utf8)) == .invalid)
        #expect(MachineID.content(Array("4c4c4544003510488051b4c04f4d593\n".utf8)) == .invalid)
    }

    /// A private key made by OpenSSL or ssh-keygen at test time, and a certificate beside it.
    static func opensslKeyAndCertificate() throws -> (key: [UInt8], certificate: [UInt8], openssh: [UInt8])? {
        guard Tool.exists("openssl", "ssh-keygen") else { return nil }
        let scratch = try Scratch()
        try Tool.run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", scratch.file("server.key"),
                                  "-out", scratch.file("server.crt"), "-days", "1", "-subj", "/CN=example.com"])
        try Tool.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", scratch.file("id_ed25519")])
        func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.file(name)))) }
        return (try read("server.key"), try read("server.crt"), try read("id_ed25519"))
    }

    @Test func privateKeysAreFoundWithTheirHeaderLineAndCertificatesAreNot() throws {
        guard let made = try Self.opensslKeyAndCertificate() else { return }
        #expect(PrivateKeyFile.detect(made.key, path: "/etc/nginx/ssl/server.key")
            == PrivateKeyHit(path: "/etc/nginx/ssl/server.key", line: 1, kind: "PRIVATE KEY"))
        #expect(PrivateKeyFile.detect(made.openssh, path: "/opt/app/id")?.kind == "OPENSSH PRIVATE KEY")
        #expect(PrivateKeyFile.detect(made.certificate, path: "/etc/ssl/certs/server.pem") == nil)
        // A bundle with the certificate first: the key's header line is found.
        let bundle = made.certificate + made.key
        let certificateLines = made.certificate.filter { $0 == UInt8(ascii: "\n") }.count
        #expect(PrivateKeyFile.detect(bundle, path: "/srv/bundle.pem")?.line == certificateLines + 1)
        // No description holds the key's body.
        let hit = try #require(PrivateKeyFile.detect(made.key, path: "k"))
        let body = String(decoding: made.key, as: UTF8.self).split(separator: "\n")[1]
        #expect(!hit.description.contains(body))
    }

    @Test func pgpAndPuTTYPrivateKeysAreKeysAndPublicOnesAreNot() {
        #expect(PrivateKeyFile.detect(Array("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQ\n".utf8), path: "p")?.kind == "PGP PRIVATE KEY BLOCK")
        #expect(PrivateKeyFile.detect(Array("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n".utf8), path: "p")?.kind == "PuTTY private key")
        #expect(PrivateKeyFile.detect(Array("-----BEGIN PGP PUBLIC KEY BLOCK-----\n".utf8), path: "p") == nil)
        #expect(PrivateKeyFile.detect(Array("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n".utf8), path: "p") == nil)
        #expect(PrivateKeyFile.detect(Array("ssh-ed25519 AAAAC3Nza seller@laptop\n".utf8), path: "p") == nil)
    }

    /// `struct utmp` records as glibc's `login(3)` writes them are what `last -f` reads: the
    /// tests write records with Python's `struct` in utmp's layout and count what `utmpdump`
    /// (util-linux) shows for the same file.
    static func utmpFile(records: [(type: Int32, user: String)], in scratch: Scratch) throws -> String? {
        guard Tool.exists("python3", "utmpdump") else { return nil }
        let path = scratch.file("wtmp")
        let list = records.map { "(\($0.type), b'\($0.user)')" }.joined(separator: ", ")
        try Tool.run("python3", ["-c", """
            import struct
            with open('\(path)', 'wb') as f:
                for t, user in [\(list)]:
                    f.write(struct.pack('<hhi32s4s32s256shhiii4i20s', t, 0, 1234, b'pts/0', b'ts/0', user, b'203.0.113.9',
                                        0, 0, 0, 1700000000, 0, 0, 0, 0, 0, b''))
            """])
        return path
    }

    @Test func wtmpRecordsInUseAreCountedAsUtmpdumpShowsThem() throws {
        let scratch = try Scratch()
        guard let path = try Self.utmpFile(records: [(7, "seller"), (8, "seller"), (0, ""), (2, "reboot")], in: scratch) else { return }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == 4 * LoginRecords.utmpRecordSize)
        let dumped = try Tool.run("utmpdump", [path]).split(separator: "\n").filter { !$0.hasPrefix("[0]") }
        #expect(LoginRecords.utmpRecordCount(bytes) == dumped.count)
        #expect(LoginRecords.utmpRecordCount(bytes) == 3)
    }

    @Test func anEmptyOrAllUnusedWtmpHasNoRecords() {
        #expect(LoginRecords.utmpRecordCount([]) == 0)
        #expect(LoginRecords.utmpRecordCount([UInt8](repeating: 0, count: 3 * 384)) == 0)
        #expect(LoginRecords.utmpRecordCount([UInt8](repeating: 7, count: 383)) == 0)  // a partial record
    }

    @Test func lastlogCountsAccountsWithALoginTime() {
        var lastlog = [UInt8](repeating: 0, count: 1001 * LoginRecords.lastlogRecordSize)
        for uid in [0, 1000] {
            let at = uid * LoginRecords.lastlogRecordSize
            lastlog[at] = 0x80; lastlog[at + 1] = 0xF1; lastlog[at + 2] = 0x53; lastlog[at + 3] = 0x65
        }
        #expect(LoginRecords.lastlogEntryCount(lastlog) == 2)
        #expect(LoginRecords.lastlogEntryCount([UInt8](repeating: 0, count: 292 * 50)) == 0)
    }
}
