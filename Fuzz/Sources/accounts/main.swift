import DiskImage
import FuzzSupport
import GuestScan

/// `/etc/passwd` and `/etc/shadow`: the input up to its first NUL is passwd, the rest shadow.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let accounts = Accounts.parse(passwd: Array(bytes[..<split]), shadow: split < bytes.count ? Array(bytes[(split + 1)...]) : nil)
    _ = Accounts.findings(accounts)
    return 0
}

runFuzzer(fuzzTestOneInput)
