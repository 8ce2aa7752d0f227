import DiskImage
import FuzzSupport
import GuestScan

/// The INI-style credential files (obsutil, s3cmd, AWS, rclone, MySQL), each format over the same text.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    for format in INICredentials.Format.allCases {
        _ = INICredentials.credentials(in: bytes, path: format.pathInHome, format: format).map(\.description)
    }
    return 0
}

runFuzzer(fuzzTestOneInput)
