import DiskImage
import FuzzSupport
import GuestScan

/// The SSH key checks of the guest scan (KG403 authorized keys, KG404 private keys in homes,
/// KG405 host keys), run by `GuestScanner.scan(filesystem:)` over a guest in memory whose key
/// files all hold the input.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    let passwd = Array("root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n".utf8)
    let fs = MemoryGuestFileSystem(files: [
        ("/etc/passwd", passwd),
        ("/etc/os-release", Array("ID=debian\nVERSION_ID=12\n".utf8)),
        ("/root/.ssh/authorized_keys", bytes),
        ("/root/.ssh/authorized_keys2", bytes),
        ("/home/alice/notes.pem", bytes),
        ("/home/alice/.ssh/deploy", bytes),
        ("/etc/ssh/ssh_host_ed25519_key", bytes),
    ])
    _ = GuestScanner.scan(filesystem: fs, metadata: nil).findings.map(\.message)
    return 0
}

runFuzzer(fuzzTestOneInput)
