import Testing
@testable import DiskImage

/// GUIDs as text: the 16 bytes written straight into the string must read as the usual
/// lower-case 8-4-4-4-12 hex, in the byte order of each layout. The reference here builds the
/// text field by field with `String(_:radix:)`, as the layouts define the fields.
@Suite struct GUIDTextTests {
    /// The text of the fields `(4, 2, 2, 2, 6 bytes)`, the first three read in `littleEndian`
    /// order when asked, as Microsoft's GUID structure stores them.
    static func reference(_ bytes: [UInt8], littleEndianFields: Bool) -> String {
        func hex(_ slice: ArraySlice<UInt8>, reversed: Bool) -> String {
            (reversed ? Array(slice.reversed()) : Array(slice)).map { byte in
                let text = String(byte, radix: 16)
                return text.count == 1 ? "0" + text : text
            }.joined()
        }
        return [hex(bytes[0..<4], reversed: littleEndianFields), hex(bytes[4..<6], reversed: littleEndianFields),
                hex(bytes[6..<8], reversed: littleEndianFields), hex(bytes[8..<10], reversed: false),
                hex(bytes[10..<16], reversed: false)].joined(separator: "-")
    }

    @Test func everyByteValueInEveryPlaceReadsAsTheFieldsDefineIt() throws {
        var generator = SystemRandomNumberGenerator()
        var samples: [[UInt8]] = (0..<256).map { value in (0..<16).map { UInt8(truncatingIfNeeded: value &+ $0 * 17) } }
        samples += (0..<200).map { _ in (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        for guid in samples {
            // At an odd offset inside a larger window, so the start is honoured.
            let window = ByteWindow([0xAA, 0xBB, 0xCC] + guid + [0xDD], at: 4096)
            #expect(try window.guidMixedEndian(3) == Self.reference(guid, littleEndianFields: true))
            #expect(try window.uuidBigEndian(3) == Self.reference(guid, littleEndianFields: false))
        }
    }

    @Test func aGUIDCutShortByTheWindowIsATruncationAtItsOffset() {
        let window = ByteWindow([UInt8](repeating: 1, count: 20), at: 100)
        #expect(throws: ImageError.self) { try window.guidMixedEndian(5) }
        #expect(throws: ImageError.self) { try window.uuidBigEndian(-1) }
        #expect((try? window.guidMixedEndian(4)) != nil)
    }
}
