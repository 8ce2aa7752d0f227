/// Numbers as messages people read write them: `10,000,000,001`, as DOMAIN.md writes limits.
/// Rounding to GB or GiB belongs to text output, never here: messages quote exact bytes.
public enum NumberText {
    /// `value` with its digits grouped in threes: `137438953473` → `137,438,953,473`.
    public static func grouped(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    /// `137,438,953,473 bytes`, `1 byte`.
    public static func bytes(_ value: UInt64) -> String {
        grouped(value) + (value == 1 ? " byte" : " bytes")
    }
}
