import DiskImage
import FuzzSupport
import ImagePackage

/// The member listing of an archive (tar, zip, compressed tar, OVA) held in memory, keeping
/// `.json` members whole as the image discovery does, and reading each member's kept bytes.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    guard let members = try? ArchiveReader.members(ofArchiveBytes: bytes, wantWhole: { name, _ in name.hasSuffix(".json") }) else {
        return 0
    }
    for member in members.prefix(16) {
        _ = member.escapesItsFolder
        let source = member.source
        _ = try? source.read(at: 0, count: 4096)
        _ = try? source.read(at: source.size &- min(source.size, 512), count: 512)
    }
    return 0
}

runFuzzer(fuzzTestOneInput)
