extension Array where Element == String {
    /// The strings one after another with `separator` between them, as `joined(separator:)`
    /// gives them. The start-up path of `inspect` uses this instead: the standard library's
    /// `joined(separator:)` is not specialised for `[String]`, and its first call makes the Swift
    /// runtime look up the array's associated types, a scan of every protocol conformance record
    /// in the binary (some 6,800), touching pages nothing else on that path needs.
    func concatenated(separator: String = "") -> String {
        var text = ""
        var bytes = separator.utf8.count * Swift.max(count - 1, 0)
        for string in self { bytes += string.utf8.count }
        text.reserveCapacity(bytes)
        for (index, string) in enumerated() {
            if index > 0 { text += separator }
            text += string
        }
        return text
    }
}
