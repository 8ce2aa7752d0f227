/// udev rules that name NICs by MAC address: `/etc/udev/rules.d/70-persistent-net.rules`, which
/// older distributions write on first boot, holds a rule per NIC such as
/// `SUBSYSTEM=="net", ACTION=="add", ATTR{address}=="fa:16:3e:..", NAME="eth0"`. On a buyer's
/// instance the MAC differs, the rule does not match, and the NIC comes up as `eth1` with no
/// configuration. A rule that matches `ATTR{address}` (or `ATTRS{address}`) with `==` pins.
public enum UdevNetRules {
    /// Where local rules live.
    public static let directory = "/etc/udev/rules.d"

    public static func pins(in bytes: [UInt8], path: String) -> [NetworkPin] {
        var pins: [NetworkPin] = []
        for line in GuestTextLines(bytes).joiningContinuations() where !line.isBlankOrComment() {
            let pairs = keyValues(line.trimmed)
            guard let address = pairs.first(where: { ($0.key == "ATTR{address}" || $0.key == "ATTRS{address}") && $0.op == "==" }),
                  !address.value.isEmpty else { continue }
            let name = pairs.first { $0.key == "NAME" && ($0.op == "=" || $0.op == ":=") }.map { String($0.value) }
            pins.append(NetworkPin(path: path, line: line.number, field: String(address.key), kind: .macAddress,
                                   interface: name))
        }
        return pins
    }

    /// One `KEY op "value"` of a rule.
    struct KeyValue {
        var key: Substring
        var op: Substring
        var value: Substring
    }

    /// The comma-separated `KEY op "value"` pairs of a rule line (operators `==`, `!=`, `=`,
    /// `+=`, `-=`, `:=`), as udev reads them: the value is double-quoted.
    static func keyValues(_ rule: Substring) -> [KeyValue] {
        var pairs: [KeyValue] = []
        var rest = rule
        while !rest.isEmpty, pairs.count < 256 {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            guard let opStart = rest.firstIndex(where: { "=!+-:".contains($0) }) else { break }
            let key = rest[..<opStart].trimmingBlanks
            var opEnd = rest.index(after: opStart)
            if opEnd < rest.endIndex, rest[opEnd] == "=" { opEnd = rest.index(after: opEnd) }
            let op = rest[opStart..<opEnd]
            rest = rest[opEnd...].drop { $0 == " " || $0 == "\t" }
            guard rest.first == "\"" else { break }
            rest = rest.dropFirst()
            var end = rest.startIndex
            while end < rest.endIndex, rest[end] != "\"" {
                if rest[end] == "\\" { end = rest.index(after: end); if end == rest.endIndex { break } }
                end = rest.index(after: end)
            }
            pairs.append(KeyValue(key: key, op: op, value: rest[..<end]))
            rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
        }
        return pairs
    }
}
