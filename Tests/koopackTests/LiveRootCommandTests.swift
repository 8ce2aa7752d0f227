import Foundation
import Testing

/// `koopack scan --root DIR` reads a directory as the guest's root: it finds what the scan of an
/// image made from the same tree by `mkfs.ext4 -d` finds, and a symlink in the tree resolves
/// inside the tree, never to the host's files.
@Suite(.enabled(if: GuestRootImage.available, "qemu-img and mkfs.ext4 are needed (make deps installs them)"))
struct LiveRootCommandTests {
    /// The findings of `scan --format json` (rule, message and evidence).
    static func findings(_ run: ToolRun) throws -> String {
        let report = try #require(try parseReports(run.stdout).first)
        let data = try JSONSerialization.data(withJSONObject: report["findings"] ?? [], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aTreeScannedAsARootFindsWhatItsImageFinds() throws {
        let scratch = try Scratch()
        // A key outside the tree, which root's authorized_keys points to by an absolute path:
        // inside the guest that path does not exist, so nothing is found there.
        let hostKeys = try scratch.write("host-authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKey host@machine\n")
        var tree = GuestRootImage.ubuntuWithPresetPassword
        tree["home/alice/.ssh/authorized_keys"] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuestKey alice@guest\n"
        let image = try GuestRootImage.make(tree, in: scratch, name: "live.qcow2") { root in
            try FileManager.default.createDirectory(atPath: root + "/root/.ssh", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: root + "/root/.ssh/authorized_keys", withDestinationPath: hostKeys)
        }
        let root = scratch.file("root-live.qcow2")
        let live = try KoopackBinary.run(["scan", "--format", "json", "--root", root])
        let fromImage = try KoopackBinary.run(["scan", "--format", "json", image])
        #expect(live.status == fromImage.status && live.status == 1, "\(live.stderr)")
        #expect(try Self.findings(live) == Self.findings(fromImage))
        #expect(live.stdout.contains("KG403") && live.stdout.contains("/home/alice/.ssh/authorized_keys"))
        #expect(!live.stdout.contains("HostKey") && !live.stdout.contains("/root/.ssh/authorized_keys holds"), "the host's file was read")
    }

    @Test func aDirectoryThatIsNotThereIsOneLineAndStatus2() throws {
        let run = try KoopackBinary.run(["scan", "--root", "/nonexistent/koopack-root"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("/nonexistent/koopack-root: is not a directory"), "\(run.stderr)")
    }
}

/// `koopack sbom --root DIR` lists what the SBOM of the image made from the same tree lists.
@Suite(.enabled(if: GuestRootImage.available, "qemu-img and mkfs.ext4 are needed (make deps installs them)"))
struct LiveRootSBOMTests {
    @Test func aTreesSBOMListsTheImagesPackages() throws {
        let scratch = try Scratch()
        let image = try GuestRootImage.make(GuestRootImage.ubuntuWithPresetPassword, in: scratch)
        let live = try KoopackBinary.run(["sbom", "--root", scratch.file("root-web.qcow2")])
        let fromImage = try KoopackBinary.run(["sbom", image])
        #expect(live.status == 0 && fromImage.status == 0, "\(live.stderr)")
        func purls(_ text: String) -> [String] {
            text.split(separator: "\n").filter { $0.contains("\"purl\"") }.map { $0.trimmingCharacters(in: .whitespaces) }.sorted()
        }
        #expect(!purls(live.stdout).isEmpty && purls(live.stdout) == purls(fromImage.stdout))
    }
}
