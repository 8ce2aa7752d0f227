import Testing
import DiskImage

/// `equalsIgnoringCase` and `hasPrefixIgnoringCase` say what `lowercased()` would.
@Suite struct CaseFoldingTests {
    /// ASCII of every case, and text whose lower case changes its length or leaves ASCII behind.
    static let samples = ["", "a", "A", "market", "MARKET", "Market", "markets", "marke", "gold", "GOLD ",
                          "K", "k", "\u{212A}", "\u{212A}ey", "Key", "key", "İ", "i", "i\u{307}", "ß", "SS", "ss",
                          "é", "É", "e\u{301}", "Ω", "ω", "\u{2126}", "file,x", "FILE,X", "file,\u{301}", "Ki\u{307}", "instance,1", "Instance,1"]

    @Test func equalityIgnoringCaseIsLowercasedEquality() {
        for a in Self.samples {
            for b in Self.samples {
                #expect(a.equalsIgnoringCase(b) == (a.lowercased() == b.lowercased()), "\(a.debugDescription) vs \(b.debugDescription)")
            }
        }
    }

    @Test func aPrefixIgnoringCaseIsALowercasedPrefix() {
        for a in Self.samples {
            for prefix in ["", "k", "ki", "key", "file,", "instance,", "market", "i", "ss"] {
                #expect(a.hasPrefixIgnoringCase(prefix) == a.lowercased().hasPrefix(prefix), "\(a.debugDescription) with \(prefix)")
            }
        }
    }

    @Test func precedesIsSwiftsOrderOfStrings() {
        let samples = Self.samples + ["a", "ab", "abc", "b", "Z", "z", "0", "9", "-", "_", "af-south-1", "ap-southeast-3",
                                      "bench-000001", "bench-000010", "bench-00001", "\u{0}", "\u{7F}", "é", "e\u{301}", "f"]
        for a in samples {
            for b in samples {
                #expect(a.precedes(b) == (a < b), "\(a.debugDescription) vs \(b.debugDescription)")
            }
        }
    }
}
