import DiskImage
import FuzzSupport
import GuestScan

/// wtmp/btmp and lastlog record counts.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    _ = LoginRecords.utmpRecordCount(bytes)
    _ = LoginRecords.lastlogEntryCount(bytes)
    return 0
}

runFuzzer(fuzzTestOneInput)
