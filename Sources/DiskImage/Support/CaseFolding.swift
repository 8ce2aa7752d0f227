extension String {
    /// Whether the two are equal once lower-cased, exactly as `lowercased() == other.lowercased()`
    /// says, without making either: ASCII is folded byte by byte, and a string with any other
    /// byte goes through `lowercased()`. The rules compare IMS values (`market`, `Private`, ...)
    /// this way for every image of an account, where lower-casing each was a copy every time.
    public func equalsIgnoringCase(_ other: String) -> Bool {
        var a = utf8.makeIterator()
        var b = other.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil):
                return true
            case let (x?, y?):
                if x >= 0x80 || y >= 0x80 { return lowercased() == other.lowercased() }
                if x != y && String.asciiLower(x) != String.asciiLower(y) { return false }
            case let (x?, nil):
                // What is left lower-cases to at least one character: unequal, unless it is not
                // ASCII and the rest so far was (a character may lower-case to fewer bytes).
                return x >= 0x80 && lowercased() == other.lowercased()
            case let (nil, y?):
                return y >= 0x80 && lowercased() == other.lowercased()
            }
        }
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

    private static func asciiLower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
