import DiskImage
import FuzzSupport
import GuestScan

/// A Boot Loader Specification entry, with the input's second half as GRUB's environment block.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    let half = bytes.count / 2
    _ = BootLoaderSpec.references(in: Array(bytes[..<half]), path: "/boot/loader/entries/e.conf",
                                  grubenv: Array(bytes[half...])).map(\.description)
    _ = BootLoaderSpec.environment(bytes)
    return 0
}

runFuzzer(fuzzTestOneInput)
