import Foundation
import GuestScan
import Testing

/// Which mounts under a live root are not part of the guest's disk, read from mountinfo lines
/// in the format proc(5) documents (its own example line included).
struct LiveRootTests {
    static let mountinfo = """
        36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw
        24 22 0:22 / /srv/root/proc rw,nosuid - proc proc rw
        25 22 0:23 / /srv/root/run rw,nosuid - tmpfs tmpfs rw
        26 22 8:2 / /srv/root/home rw - ext4 /dev/sda2 rw
        27 22 0:45 / /srv/root/mnt/share rw - nfs4 server:/export rw
        28 22 0:46 / /srv/root/mnt/my\\040drive rw - fuse.sshfs host: rw
        29 22 0:47 / /srv/rootless/run rw - tmpfs tmpfs rw
        """

    @Test func pseudoAndNetworkMountsUnderTheRootAreSkippedAndRealOnesKept() {
        let skipped = LiveRootScan.skippedMounts(under: "/srv/root/", mountinfo: Self.mountinfo)
        #expect(skipped.map(\.path) == ["/proc", "/run", "/mnt/share", "/mnt/my drive"])
        #expect(skipped.map(\.type) == ["proc", "tmpfs", "nfs4", "fuse.sshfs"])
    }

    @Test func forTheHostsRootEveryPseudoMountIsSkipped() {
        let skipped = LiveRootScan.skippedMounts(under: "/", mountinfo: Self.mountinfo).map(\.path)
        #expect(skipped.contains("/proc") && skipped.contains("/srv/root/run") && !skipped.contains("/srv/root/home"))
    }

    @Test func aSkippedMountIsNotDescendedAndSaysSo() throws {
        let tree = NSTemporaryDirectory() + "koopack-live-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: tree) }
        try FileManager.default.createDirectory(atPath: tree + "/run/user/0/.ssh", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tree + "/etc", withIntermediateDirectories: true)
        try "root:x:0:0:root:/run/user/0:/bin/sh\n".write(toFile: tree + "/etc/passwd", atomically: true, encoding: .utf8)
        try "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRun k@x\n".write(toFile: tree + "/run/user/0/.ssh/authorized_keys", atomically: true, encoding: .utf8)
        let mounted = "30 22 0:50 / \(tree)/run rw - tmpfs tmpfs rw\n"
        let report = try LiveRootScan.scan(directory: tree, metadata: nil, mountinfo: mounted)
        #expect(!report.findings.contains { $0.message.contains("authorized_keys") }, "the tmpfs under the root was read")
        #expect(report.warnings.contains { $0.contains("/run (tmpfs)") && $0.contains("not descended") })
        let unmounted = try LiveRootScan.scan(directory: tree, metadata: nil, mountinfo: "")
        #expect(unmounted.findings.contains { $0.message.contains("/run/user/0/.ssh/authorized_keys") })
    }
}
