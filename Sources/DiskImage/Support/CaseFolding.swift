extension String {
    /// Whether the two are equal once lower-cased, exactly as `lowercased() == other.lowercased()`
    /// says, without making either: ASCII is folded byte by byte, and a string with any other
    /// byte goes through `lowercased()`. The rules compare IMS values (`market`, `Private`, ...)
    /// this way for every image of an account, where lower-casing each was a copy every time.
    public func equalsIgnoringCase(_ other: String) -> Bool {
        withBothUTF8(other, String.asciiFoldedEqual) ?? (lowercased() == other.lowercased())
    }

    /// Whether two ASCII byte runs are equal with case folded; nil when the answer needs text
    /// that is not ASCII. A difference between two ASCII bytes settles it (an ASCII character
    /// is never reordered or joined with its neighbours by lower-casing or canonical
    /// equivalence); a difference in length settles it only when both are ASCII throughout.
    static func asciiFoldedEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard a.count == b.count else {
            if a.contains(where: { $0 >= 0x80 }) || b.contains(where: { $0 >= 0x80 }) { return nil }
            return false
        }
        for i in 0..<a.count {
            let x = a[i], y = b[i]
            if x >= 0x80 || y >= 0x80 { return nil }
            if x != y && asciiLower(x) != asciiLower(y) { return false }
        }
        return true
    }

    /// Whether the string starts with `prefix` once lower-cased, as `lowercased().hasPrefix(prefix)`
    /// says (`prefix` is lower-case ASCII, not ending in a carriage return).
    public func hasPrefixIgnoringCase(_ prefix: String) -> Bool {
        var a = utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let x = a.next() else { return false }
            if x >= 0x80 { return lowercased().hasPrefix(prefix) }
            if String.asciiLower(x) != expected { return false }
        }
        // A combining mark after the prefix joins its last letter into another character.
        if let next = a.next(), next >= 0x80 { return lowercased().hasPrefix(prefix) }
        return true
    }

    /// `body` over this string's and `other`'s own UTF-8 (small strings are copied to the stack
    /// for it); nil when `body` is, or when either string has no contiguous UTF-8.
    func withBothUTF8<Answer>(_ other: String,
                              _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Answer?) -> Answer? {
        let answer: Answer?? = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b in body(a, b) } ?? nil
        }
        return answer ?? nil
    }

    private static func asciiLower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
