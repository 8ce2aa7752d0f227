import Findings

/// Size formatting for text output only: everything else keeps exact bytes.
enum Sizes {
    /// `68719476736` → `64.00 GiB (68,719,476,736 bytes)`.
    static func describe(_ bytes: UInt64) -> String {
        bytes < 1024 ? "\(bytes) bytes" : "\(binary(bytes)) (\(grouped(bytes)) bytes)"
    }

    /// The largest binary unit that keeps the number at least 1, with two decimals.
    static func binary(_ bytes: UInt64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var unit = 0
        var divisor: UInt64 = 1
        while unit < units.count - 1, bytes / divisor >= 1024 {
            divisor *= 1024
            unit += 1
        }
        if unit == 0 { return bytes == 1 ? "1 byte" : "\(bytes) bytes" }
        let hundredths = (bytes % divisor) * 100 / divisor
        return "\(bytes / divisor).\(hundredths < 10 ? "0" : "")\(hundredths) \(units[unit])"
    }

    /// Thousands separated by commas.
    static func grouped(_ value: UInt64) -> String { NumberText.grouped(value) }
}
