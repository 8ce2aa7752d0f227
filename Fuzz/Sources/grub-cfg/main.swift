import DiskImage
import FuzzSupport
import GuestScan

/// GRUB's `grub.cfg`: kernel lines and their `root=`, `resume=`, `rd.lvm.lv=` parameters.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = GrubConfig.references(in: fuzzBytes(start, count), path: "/boot/grub/grub.cfg").map(\.description)
    return 0
}

runFuzzer(fuzzTestOneInput)
