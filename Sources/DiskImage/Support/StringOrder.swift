extension String {
    /// Whether the string sorts before `other`, exactly as `self < other` says: two ASCII
    /// strings are compared byte by byte (for ASCII, Swift's order is the bytes' order), any
    /// other pair by `<`, which compares normalised Unicode. An audit sorts ten thousand images by
    /// region, name and ID, and `<` spent most of that sort finding that its strings are ASCII.
    public func precedes(_ other: String) -> Bool {
        withBothUTF8(other, String.asciiPrecedes) ?? (self < other)
    }

    /// Whether ASCII bytes `a` sort before `b`; nil when either has a byte that is not ASCII.
    static func asciiPrecedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        if a.contains(where: { $0 >= 0x80 }) || b.contains(where: { $0 >= 0x80 }) { return nil }
        for i in 0..<Swift.min(a.count, b.count) where a[i] != b[i] {
            return a[i] < b[i]
        }
        return a.count < b.count
    }
}
