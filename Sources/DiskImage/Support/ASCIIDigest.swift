/// FNV-1a (64 bits) of an ASCII string's bytes: a cheap digest for finding short names (JSON
/// object keys, IMS keys) among a few dozen, where Swift's seeded SipHash, hashed anew for every
/// key of every image of an account, cost more than the parse around it. Equal ASCII strings
/// have equal digests; a string with any other byte has none, because Swift compares strings by
/// canonical equivalence (`"\u{212A}"`, the Kelvin sign, equals `"K"`) and bytes cannot say that.
public enum ASCIIDigest {
    public static func of(_ text: String) -> UInt64? {
        // Over the string's own bytes: iterating its UTF-8 view byte by byte cost as much again.
        if let digest = text.utf8.withContiguousStorageIfAvailable(of) { return digest }
        var copy = text
        return copy.withUTF8(of)
    }

    /// The digest of ASCII bytes, nil when any byte is not ASCII.
    public static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            if byte >= 0x80 { return nil }
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
