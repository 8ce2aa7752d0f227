import Foundation
import Testing
import DiskImage
// The shared process runner and scratch folder, for every file of these tests.
@_exported import KoopackTestSupport

/// Helpers for filesystem tests that build real images with mkfs.xfs, mkfs.vfat, mtools and LVM's
/// tools at test time (run with the shared `Tool`).
enum FilesystemFixture {
    /// A deterministic, recognisable byte pattern (no long zero runs) seeded by `seed`.
    static func pattern(_ count: Int, seed: UInt32) -> [UInt8] {
        var state = seed &* 2_654_435_761 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return UInt8(truncatingIfNeeded: state | 1)
        }
    }
}

/// A source that reads like `base` except where a patch overrides bytes, for hostile tests that
/// damage one field of a real filesystem without copying it.
struct PatchedByteSource: ByteSource {
    let base: any ByteSource
    var patches: [(offset: UInt64, bytes: [UInt8])]
    var size: UInt64 { base.size }

    init(_ base: any ByteSource, _ patches: [(offset: UInt64, bytes: [UInt8])]) {
        self.base = base
        self.patches = patches
    }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = try base.read(at: offset, count: count)
        for patch in patches {
            for (i, byte) in patch.bytes.enumerated() {
                let at = patch.offset + UInt64(i)
                if at >= offset, at < offset + UInt64(bytes.count) { bytes[Int(at - offset)] = byte }
            }
        }
        return bytes
    }
}

/// Big-endian and little-endian byte encodings for patches.
func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)] }
func be64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
func le16(_ v: UInt16) -> [UInt8] { [UInt8(truncatingIfNeeded: v), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

/// The message of the `ImageError` `body` throws, or nil when it throws none.
func imageErrorMessage(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as ImageError { return error.message } catch { return "non-ImageError: \(error)" }
    return nil
}
