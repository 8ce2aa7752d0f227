import DiskImage
import ReleasePolicy

/// `koopack audit` in text, for a terminal of `width` columns (100): per region a heading, then
/// per image a row of NAME, ID and STATE in aligned columns (a cell too long for its column
/// wraps inside it), and under the row, indented, the evidence, the next step and the notes,
/// each wrapped to the width; then the counts and the warnings. No colour.
enum AuditText {
    /// The widest line written.
    static let width = 100
    /// How far the lines under a row are indented.
    static let detailIndent = "    "
    /// The widest the ID column grows (IMS image IDs are 36 characters).
    static let maximumIDWidth = 40

    static func render(_ report: AuditReport) -> String {
        var out = ""
        var start = 0
        let entries = report.entries
        while start < entries.count {
            let region = entries[start].region
            var end = start
            while end < entries.count && entries[end].region == region { end += 1 }
            if !out.isEmpty { out += "\n" }
            out += group(entries[start..<end], region: region)
            start = end
        }
        let tally = report.counts.filter { $0.count > 0 }.map { "\($0.count) \($0.state.rawValue)" }
        if !out.isEmpty { out += "\n" }
        out += wrapped("\(entries.count) image\(entries.count == 1 ? "" : "s")" + (tally.isEmpty ? "" : ": " + tally.joined(separator: ", ")),
                       indent: "  ")
        for warning in report.warnings { out += wrapped("warning: \(warning.description)", indent: "  ") }
        return out
    }

    /// One region's heading, column titles and images.
    static func group(_ group: ArraySlice<AuditEntry>, region: String?) -> String {
        let heading = region.map { id in Regions.region(named: id).map { "\(id) (\($0.consoleName))" } ?? id } ?? "region unknown"
        var out = "\(heading): \(group.count) image\(group.count == 1 ? "" : "s")\n"
        let rows = group.map { [$0.name ?? "-", $0.id, $0.state.rawValue] }
        let stateWidth = rows.reduce("STATE".count) { max($0, $1[2].count) }
        let idWidth = min(rows.reduce("ID".count) { max($0, $1[1].count) }, maximumIDWidth)
        let nameWidth = min(rows.reduce("NAME".count) { max($0, $1[0].count) }, width - stateWidth - idWidth - 4)
        let widths = [nameWidth, idWidth, stateWidth]
        out += row(["NAME", "ID", "STATE"], widths: widths)
        for (entry, cells) in zip(group, rows) {
            out += row(cells, widths: widths)
            if !entry.evidence.isEmpty { out += wrapped(detailIndent + "evidence: " + evidenceSummary(entry), indent: detailIndent + "  ") }
            out += wrapped(detailIndent + "next step: " + entry.nextStep, indent: detailIndent + "  ")
            for note in entry.notes { out += wrapped(detailIndent + "note: " + note, indent: detailIndent + "  ") }
        }
        return out
    }

    /// `cells` in columns of `widths`, two spaces apart; a cell longer than its column goes on
    /// over more lines, inside the column.
    static func row(_ cells: [String], widths: [Int]) -> String {
        let columns = zip(cells, widths).map { pieces(of: $0, width: $1) }
        let height = columns.map(\.count).max() ?? 1
        var out = ""
        for line in 0..<height {
            var text = ""
            for (column, width) in widths.enumerated() {
                let cell = line < columns[column].count ? columns[column][line] : ""
                text += column == widths.count - 1 ? cell : cell + String(repeating: " ", count: max(0, width - cell.count)) + "  "
            }
            while text.hasSuffix(" ") { text.removeLast() }
            out += text + "\n"
        }
        return out
    }

    /// `text` cut into pieces of at most `width` characters, at a space where there is one.
    static func pieces(of text: String, width: Int) -> [String] {
        var rest = Substring(text)
        var out: [String] = []
        while rest.count > width {
            let window = rest.prefix(width + 1)
            let cut = window.lastIndex(of: " ").flatMap { $0 > rest.startIndex ? $0 : nil } ?? rest.index(rest.startIndex, offsetBy: width)
            out.append(String(rest[..<cut]))
            rest = rest[cut...].drop { $0 == " " }
        }
        out.append(String(rest))
        return out
    }

    /// `text` as lines of at most `width` columns, the lines after the first indented by `indent`.
    static func wrapped(_ text: String, indent: String) -> String {
        var lines = pieces(of: text, width: width)
        if lines.count > 1 {
            let rest = pieces(of: lines.dropFirst().joined(separator: " "), width: width - indent.count)
            lines = [lines[0]] + rest.map { indent + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `key=value, key=value`: the evidence on one line.
    static func evidenceSummary(_ entry: AuditEntry) -> String {
        entry.evidence.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
    }
}

/// `koopack audit --format json`: `images` (one object per entry, in order), `counts` (every
/// state) and `warnings` (`file: message` strings).
enum AuditJSON {
    /// The indentation of the document, as every koopack JSON output (`JSONOutput.write`).
    static let indent = 2

    static func render(_ report: AuditReport) -> JSONValue {
        .object([
            ("images", .array(report.entries.map(image))),
            ("counts", counts(report)),
            ("warnings", warnings(report)),
        ])
    }

    /// Writes what `render` gives, serialised as `JSONOutput.write` would, on standard output,
    /// piece by piece (`pieces`).
    static func write(_ report: AuditReport) {
        for piece in pieces(report) { Terminal.write(bytes: piece) }
    }

    /// What `render` gives serialised as `JSONOutput.write` would (indented, a final newline),
    /// in pieces to write one after another. The images are serialised in runs on all cores: an
    /// account of ten thousand images makes megabytes of JSON, and building it as one value and
    /// then as one string, copied twice more on the way out, cost an audit more than judging the
    /// images did.
    static func pieces(_ report: AuditReport) -> [[UInt8]] {
        let entries = report.entries
        let runLength = 256
        let runs = stride(from: 0, to: entries.count, by: runLength).map { $0..<min($0 + runLength, entries.count) }
        let images: [[UInt8]] = ParallelWork.map(runs) { run in
            var out: [UInt8] = []
            out.reserveCapacity(run.count * 1024)
            entries.withUnsafeBufferPointer { entries in  // read in place, not copied out
                for position in run {
                    out.append(contentsOf: (position == 0 ? "\n" : ",\n").utf8)
                    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
                    write(entries[position], into: &out)
                }
            }
            return out
        }
        let head = Array((entries.isEmpty ? "{\n  \"images\": []" : "{\n  \"images\": [").utf8)
        var tail: [UInt8] = Array((entries.isEmpty ? ",\n  \"counts\": " : "\n  ],\n  \"counts\": ").utf8)
        counts(report).serialize(into: &tail, indent: indent, level: 1)
        tail.append(contentsOf: ",\n  \"warnings\": ".utf8)
        warnings(report).serialize(into: &tail, indent: indent, level: 1)
        tail.append(contentsOf: "\n}\n".utf8)
        return [head] + images + [tail]
    }

    /// Appends `entry` as `image(entry).serialize(into: &out, indent: indent, level: 2)` would,
    /// without making the value: ten thousand entries' values were most of the JSON's cost.
    static func write(_ entry: AuditEntry, into out: inout [UInt8]) {
        func newline(_ level: Int) {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * indent))
        }
        func member(_ key: String, level: Int, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            newline(level)
            JSONValue.appendString(key, to: &out)
            out.append(contentsOf: ": ".utf8)
        }
        func string(_ text: String?) {
            if let text { JSONValue.appendString(text, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        func array<Item>(_ items: [Item], level: Int, _ item: (Item) -> Void) {
            guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, element) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(level + 1)
                item(element)
            }
            newline(level)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "{"))
        member("id", level: 3, first: true); string(entry.id)
        member("name", level: 3); string(entry.name)
        member("region", level: 3); string(entry.region)
        member("state", level: 3); string(entry.state.rawValue)
        member("evidence", level: 3)
        array(entry.evidence, level: 3) { field, value in
            out.append(UInt8(ascii: "{"))
            member("field", level: 5, first: true); string(field)
            member("value", level: 5); string(value)
            newline(4)
            out.append(UInt8(ascii: "}"))
        }
        member("next-step", level: 3); string(entry.nextStep)
        member("notes", level: 3); array(entry.notes, level: 3) { string($0) }
        member("error-rules", level: 3); array(entry.errorRules, level: 3) { string($0) }
        member("source", level: 3); string(entry.source)
        if let lineage = entry.lineage {
            member("lineage", level: 3)
            out.append(UInt8(ascii: "{"))
            member("parent", level: 4, first: true); string(lineage.parent)
            member("parent-key", level: 4); string(lineage.parentKey)
            member("root", level: 4); string(lineage.root)
            member("root-is", level: 4); string(lineage.seed.summary)
            member("generations", level: 4); out.append(contentsOf: String(lineage.generations).utf8)
            newline(3)
            out.append(UInt8(ascii: "}"))
        }
        newline(2)
        out.append(UInt8(ascii: "}"))
    }

    static func image(_ entry: AuditEntry) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(entry.id)),
            ("name", entry.name.map(JSONValue.string) ?? .null),
            ("region", entry.region.map(JSONValue.string) ?? .null),
            ("state", .string(entry.state.rawValue)),
            ("evidence", .array(entry.evidence.map { .object([("field", .string($0.0)), ("value", .string($0.1))]) })),
            ("next-step", .string(entry.nextStep)),
            ("notes", .array(entry.notes.map(JSONValue.string))),
            ("error-rules", .array(entry.errorRules.map(JSONValue.string))),
            ("source", .string(entry.source)),
        ]
        if let lineage = entry.lineage {
            members.append(("lineage", .object([
                ("parent", lineage.parent.map(JSONValue.string) ?? .null),
                ("parent-key", lineage.parentKey.map(JSONValue.string) ?? .null),
                ("root", .string(lineage.root)),
                ("root-is", .string(lineage.seed.summary)),
                ("generations", .int(Int64(lineage.generations))),
            ])))
        }
        return .object(members)
    }

    static func counts(_ report: AuditReport) -> JSONValue {
        .object(report.counts.map { ($0.state.rawValue, .int(Int64($0.count))) })
    }

    static func warnings(_ report: AuditReport) -> JSONValue {
        .array(report.warnings.map { .string($0.description) })
    }
}

/// `koopack audit --format csv` (RFC 4180: CRLF line ends, fields with a comma, quote or line
/// break in double quotes, quotes doubled): one header row, then one row per entry.
enum AuditCSV {
    static func render(_ report: AuditReport) -> String {
        var out = "region,name,id,state,evidence,next_step,notes\r\n"
        for entry in report.entries {
            let row = [entry.region ?? "", entry.name ?? "", entry.id, entry.state.rawValue,
                       AuditText.evidenceSummary(entry), entry.nextStep, entry.notes.joined(separator: "; ")]
            out += row.map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// One CSV field, quoted when RFC 4180 requires it.
    static func field(_ value: String) -> String {
        let needsQuotes = value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { quoted += "\"\"" } else { quoted.unicodeScalars.append(scalar) }
        }
        return quoted + "\""
    }
}
