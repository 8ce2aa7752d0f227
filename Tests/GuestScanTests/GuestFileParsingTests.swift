import Foundation
import Testing
import DiskImage
@testable import GuestScan

@Suite struct OSReleaseTests {
    @Test func quotingFollowsOSRelease5() {
        let text = """
            # a comment
            NAME="Debian GNU/Linux"
            ID=debian
            VERSION_ID='12'
            PRETTY_NAME="Say \\"hi\\" for \\$5 \\\\ \\`x\\`"
            HOME_URL=https://www.debian.org/ # trailing comment
            lower=ignored
            BAD="never closed
            EMPTY=
              INDENTED="yes"
            ESCAPED=a\\ b

            """
        let os = OSRelease.parse(Array(text.utf8))
        #expect(os.name == "Debian GNU/Linux")
        #expect(os.id == "debian")
        #expect(os.versionID == "12")
        #expect(os.prettyName == "Say \"hi\" for $5 \\ `x`")
        #expect(os["HOME_URL"] == "https://www.debian.org/")
        #expect(os["lower"] == nil)
        #expect(os["BAD"] == nil)
        #expect(os["EMPTY"] == nil)
        #expect(os["INDENTED"] == "yes")
        #expect(os["ESCAPED"] == "a b")
    }

    @Test func theHostsOwnOSReleaseParsesAsThePythonParserReadsIt() throws {
        guard Tool.exists("python3"), FileManager.default.fileExists(atPath: "/etc/os-release") else { return }
        // Python's platform.freedesktop_os_release() implements the same quoting rules.
        let out = try Tool.run("python3", ["-c", "import platform; r = platform.freedesktop_os_release(); print(r['ID']); print(r.get('VERSION_ID', '')); print(r['PRETTY_NAME'])"])
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let os = OSRelease.parse([UInt8](try #require(FileManager.default.contents(atPath: "/etc/os-release"))))
        #expect(os.id == lines[0])
        #expect((os.versionID ?? "") == lines[1])
        #expect(os.prettyName == lines[2])
    }

    @Test func aHugeOrBinaryFileIsBoundedAndNeverTraps() {
        let junk = (0..<(OSRelease.maxBytes * 2)).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        _ = OSRelease.parse(junk)
        let many = String(repeating: "K=v\n", count: 10_000)
        #expect(OSRelease.parse(Array(many.utf8)).fields.count == OSRelease.maxFields)
    }
}

@Suite struct AccountsTests {
    @Test func passwordStatesFollowCryptAndShadowConventions() {
        #expect(PasswordState(field: "") == .empty)
        for locked in ["*", "!", "!!", "!*", "!$6$abc$def", "*LK*", "x", "NP", "LOCKED"] {
            #expect(PasswordState(field: Substring(locked)) == .locked, "\(locked)")
        }
        #expect(PasswordState(field: "$6$s$h") == .usable(scheme: "sha512crypt"))
        #expect(PasswordState(field: "$y$j9T$s$h") == .usable(scheme: "yescrypt"))
        #expect(PasswordState(field: "$2b$10$abc") == .usable(scheme: "bcrypt"))
        #expect(PasswordState(field: "$1$s$h") == .usable(scheme: "md5crypt"))
        #expect(PasswordState(field: "abcdefghijklm") == .usable(scheme: "descrypt"))
        #expect(PasswordState(field: "$zz$s$h") == .usable(scheme: "crypt $zz$"))
    }

    @Test func shadowEntriesApplyToShadowedAccountsAndShadowOnlyAccountsAreKept() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n+nisuser::0:0:::\nplain:$1$s$h:5:5::/home/plain:/bin/sh\nnoshadow:x:6:6::/:/bin/sh\n"
        let shadow = "root:*:1::::::\nghost:$6$s$h:1::::::\nroot:$6$dup$dup:1::::::\n"
        let accounts = Accounts.parse(passwd: Array(passwd.utf8), shadow: Array(shadow.utf8))
        #expect(accounts.map(\.name) == ["root", "plain", "noshadow", "ghost"])
        #expect(accounts.map(\.password) == [.locked, .usable(scheme: "md5crypt"), .locked, .usable(scheme: "sha512crypt")])
        #expect(accounts.map(\.passwordFile) == ["/etc/shadow", "/etc/passwd", "/etc/passwd", "/etc/shadow"])
        #expect(accounts[1].home == "/home/plain")
        #expect(accounts[1].uid == 5)
    }

    @Test func hugeOrBrokenFilesAreBoundedAndNeverTrap() {
        let lines = String(repeating: "u:x\n", count: Accounts.maxAccounts + 10)
        #expect(Accounts.parse(passwd: Array(lines.utf8), shadow: nil).count <= Accounts.maxAccounts)
        _ = Accounts.parse(passwd: [0xFF, 0xFE, 0x3A, 0x0A, 0x3A, 0x3A], shadow: [0x3A, 0x3A, 0x3A])
        #expect(Accounts.parse(passwd: nil, shadow: nil).isEmpty)
    }
}

@Suite struct DpkgStatusTests {
    @Test func onlyInstalledParagraphsAreKeptWithEpochAndSourceSplit() {
        let text = """
            Package: a
            Status: install ok installed
            Version: 1:2.3-4
            Architecture: amd64
            Source: a-src (2.3-4)
            Description: first
             more
             .
             lines

            Package: b
            Status: deinstall ok config-files
            Version: 1.0

            Package: c
            Status: install ok unpacked
            Version: 1.0
            Package: c2
            Status: hold ok installed
            Version: 0:9
            \r
            Package: d
            Version: 5
            Status: install ok installed
            """
        let packages = DpkgStatus.parse(Array(text.utf8))
        #expect(packages.map(\.name) == ["a", "c2", "d"])
        #expect(packages[0].epoch == "1" && packages[0].version == "2.3-4" && packages[0].source == "a-src")
        #expect(packages[1].fullVersion == "0:9")
        #expect(packages[2].architecture == nil)
    }

    @Test func aParagraphWithoutVersionOrStatusIsSkippedAndJunkNeverTraps() {
        #expect(DpkgStatus.parse(Array("Package: x\nStatus: install ok installed\n".utf8)).isEmpty)
        _ = DpkgStatus.parse((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        _ = DpkgStatus.parse(Array(String(repeating: "Package: \n\n", count: 1000).utf8))
    }
}

@Suite struct PrivateKeyProbeTests {
    @Test func privateKeyHeadersAreRecognisedAndOthersAreNot() {
        #expect(SSHKeys.privateKeyKind(Array(GuestTrees.ed25519Private.utf8)) == "a OPENSSH PRIVATE KEY")
        #expect(SSHKeys.privateKeyKind(Array("-----BEGIN PRIVATE KEY-----\n".utf8)) == "a PRIVATE KEY")
        #expect(SSHKeys.privateKeyKind(Array("-----BEGIN EC PRIVATE KEY-----".utf8)) == "a EC PRIVATE KEY")
        #expect(SSHKeys.privateKeyKind(Array("-----BEGIN PUBLIC KEY-----\n".utf8)) == nil)
        #expect(SSHKeys.privateKeyKind(Array("-----BEGIN CERTIFICATE-----\nPRIVATE KEY-----".utf8)) == nil)
        #expect(SSHKeys.privateKeyKind(Array("-----BEGIN ".utf8)) == nil)
        #expect(SSHKeys.privateKeyKind([]) == nil)
    }

    @Test func authorizedKeyLinesSkipBlanksAndComments() {
        #expect(SSHKeys.keyLines(Array("# c\n\n   \n\t# d\nssh-rsa AAA\r\n  ssh-ed25519 BBB\n".utf8)) == 2)
        #expect(SSHKeys.keyLines([]) == 0)
    }
}
