import DiskImage
import FuzzSupport
import Glibc
import ReleaseBundle

/// An empty folder the release resolves its paths against: every named file is missing.
let emptyFolder: String = {
    var template = Array("/tmp/koopack-fuzz-release-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress, let path = mkdtemp(base) else { fatalError("mkdtemp failed") }
        return String(cString: path)
    }
}()

/// `release.yaml`: the YAML, every section's keys and values, and the path checks.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = try? Release.parse(yaml: text, file: "release.yaml", baseDirectory: emptyFolder)
    return 0
}

runFuzzer(fuzzTestOneInput)
