import DiskImage
import ReleasePolicy

/// `koopack audit` in text: a plain table grouped by region: a heading per region, then columns
/// NAME, ID, STATE, EVIDENCE, NEXT STEP (padded with spaces, no colour), notes indented under
/// their image, then the counts and the warnings.
enum AuditText {
    /// The widest a padded column grows; longer cells push the rest of their line out instead of
    /// widening every row.
    static let maximumColumnWidth = 60

    static func render(_ report: AuditReport) -> String {
        let entries = report.entries
        var out = ""
        var start = 0
        while start < entries.count {
            let region = entries[start].region
            var end = start
            while end < entries.count && entries[end].region == region { end += 1 }
            let group = entries[start..<end]
            if !out.isEmpty { out += "\n" }
            let heading = region.map { id in Regions.region(named: id).map { "\(id) (\($0.consoleName))" } ?? id } ?? "region unknown"
            out += "\(heading): \(group.count) image\(group.count == 1 ? "" : "s")\n"
            let rows = [["NAME", "ID", "STATE", "EVIDENCE", "NEXT STEP"]] + group.map { entry in
                [entry.name ?? "-", entry.id, entry.state.rawValue, evidenceSummary(entry).isEmpty ? "-" : evidenceSummary(entry), entry.nextStep]
            }
            var widths = [Int](repeating: 0, count: 4)
            for row in rows {
                for column in 0..<4 { widths[column] = min(max(widths[column], row[column].count), maximumColumnWidth) }
            }
            for (r, row) in rows.enumerated() {
                var line = ""
                for column in 0..<4 {
                    let cell = row[column]
                    line += cell + String(repeating: " ", count: max(0, widths[column] - cell.count)) + "  "
                }
                out += line + row[4] + "\n"
                if r > 0 {
                    for note in group[group.index(group.startIndex, offsetBy: r - 1)].notes { out += "    note: \(note)\n" }
                }
            }
            start = end
        }
        let tally = report.counts.filter { $0.count > 0 }.map { "\($0.count) \($0.state.rawValue)" }
        if !out.isEmpty { out += "\n" }
        out += "\(entries.count) image\(entries.count == 1 ? "" : "s")" + (tally.isEmpty ? "" : ": " + tally.joined(separator: ", ")) + "\n"
        for warning in report.warnings { out += "warning: \(warning.description)\n" }
        return out
    }

    /// `key=value, key=value`: the evidence on one line.
    static func evidenceSummary(_ entry: AuditEntry) -> String {
        entry.evidence.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
    }
}

/// `koopack audit --format json`: `images` (one object per entry, in order), `counts` (every
/// state) and `warnings` (`file: message` strings).
enum AuditJSON {
    static func render(_ report: AuditReport) -> JSONValue {
        let images: [JSONValue] = report.entries.map { entry in
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
        return .object([
            ("images", .array(images)),
            ("counts", .object(report.counts.map { ($0.state.rawValue, .int(Int64($0.count))) })),
            ("warnings", .array(report.warnings.map { .string($0.description) })),
        ])
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
