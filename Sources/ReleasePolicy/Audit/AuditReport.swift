import DiskImage

/// One image's audit: its state, the fields that decided it, and what the seller can do.
public struct AuditEntry: Sendable {
    /// The image ID.
    public var id: String
    /// The image name, when it has one.
    public var name: String?
    /// The region ID the image lives in, nil when unknown.
    public var region: String?
    /// The file the image was read from.
    public var source: String
    /// The image's one state.
    public var state: AuditState
    /// The fields (or derived facts) that decided the state, as name/value pairs, in order.
    public var evidence: [(String, String)]
    /// What the seller can do next.
    public var nextStep: String
    /// What the lineage walk could not follow: missing parents, loops.
    public var notes: [String]
    /// The IDs of every KG1xx rule that found an error in the image's metadata.
    public var errorRules: [String]
    /// The market lineage the image descends from, when one reaches it.
    public var lineage: LineageOrigin?

    /// `key=value, key=value`: the evidence on one line.
    public var evidenceSummary: String {
        evidence.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
    }
}

/// The audit of a seller's account: one entry per image in a stable order (region, then name,
/// then ID; images of unknown region last), the count of each state, and the warnings met while
/// loading the account.
public struct AuditReport: Sendable {
    /// The entries, ordered by region, name and ID.
    public let entries: [AuditEntry]
    /// What was skipped or merged while loading the image lists.
    public let warnings: [AccountWarning]

    /// A report of `entries` (sorted here) and `warnings`.
    public init(entries: [AuditEntry], warnings: [AccountWarning] = []) {
        self.entries = entries.sorted(by: AuditReport.order)
        self.warnings = warnings
    }

    /// Region, then name, then ID; unknown regions after known ones, unnamed images after named
    /// ones in their region.
    static func order(_ a: AuditEntry, _ b: AuditEntry) -> Bool {
        if a.region != b.region {
            guard let ra = a.region else { return false }
            guard let rb = b.region else { return true }
            return ra < rb
        }
        if a.name != b.name {
            guard let na = a.name else { return false }
            guard let nb = b.name else { return true }
            return na < nb
        }
        return a.id < b.id
    }

    /// How many images are in each state, every state listed (in precedence order), zeros included.
    public var counts: [(state: AuditState, count: Int)] {
        var tally: [AuditState: Int] = [:]
        for entry in entries { tally[entry.state, default: 0] += 1 }
        return AuditState.allCases.map { ($0, tally[$0] ?? 0) }
    }

    /// The number of images in `state`.
    public func count(_ state: AuditState) -> Int {
        entries.reduce(0) { $0 + ($1.state == state ? 1 : 0) }
    }

    /// The report with only the entries in `states` (`--state`); an empty set keeps all.
    public func filtered(states: Set<AuditState>) -> AuditReport {
        guard !states.isEmpty else { return self }
        return AuditReport(entries: entries.filter { states.contains($0.state) }, warnings: warnings)
    }

    /// The states named in a `--state` value: names separated by commas (`locked,market`). An
    /// unknown name is an `ImageError` listing the known ones.
    public static func states(named list: String) throws -> Set<AuditState> {
        var states: Set<AuditState> = []
        for part in list.split(separator: ",") {
            let name = String(part)
            guard let state = AuditState(name: name) else {
                throw ImageError(.invalid, "unknown state \"\(Regions.trimmed(name))\" (known states: \(AuditState.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            states.insert(state)
        }
        return states
    }
}

extension AuditReport {
    /// The report as JSON: `images` (one object per entry, in order), `counts` (every state) and
    /// `warnings` (`file: message` strings).
    public var json: JSONValue {
        let images: [JSONValue] = entries.map { entry in
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
            ("counts", .object(counts.map { ($0.state.rawValue, .int(Int64($0.count))) })),
            ("warnings", .array(warnings.map { .string($0.description) })),
        ])
    }

    /// The report as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break in
    /// double quotes, quotes doubled), one header row then one row per entry.
    public var csv: String {
        var out = "region,name,id,state,evidence,next_step,notes\r\n"
        for entry in entries {
            let row = [entry.region ?? "", entry.name ?? "", entry.id, entry.state.rawValue,
                       entry.evidenceSummary, entry.nextStep, entry.notes.joined(separator: "; ")]
            out += row.map(AuditReport.csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// One CSV field, quoted when RFC 4180 requires it.
    static func csvField(_ value: String) -> String {
        let needsQuotes = value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { quoted += "\"\"" } else { quoted.unicodeScalars.append(scalar) }
        }
        return quoted + "\""
    }

    /// The report as a plain text table grouped by region: a heading per region, then columns
    /// NAME, ID, STATE, EVIDENCE, NEXT STEP (padded with spaces, no colour), notes indented under
    /// their image, then the counts and the warnings.
    public var text: String {
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
                [entry.name ?? "-", entry.id, entry.state.rawValue, entry.evidenceSummary.isEmpty ? "-" : entry.evidenceSummary, entry.nextStep]
            }
            var widths = [Int](repeating: 0, count: 4)
            for row in rows {
                for column in 0..<4 { widths[column] = min(max(widths[column], row[column].count), AuditReport.maximumColumnWidth) }
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
        let tally = counts.filter { $0.count > 0 }.map { "\($0.count) \($0.state.rawValue)" }
        if !out.isEmpty { out += "\n" }
        out += "\(entries.count) image\(entries.count == 1 ? "" : "s")" + (tally.isEmpty ? "" : ": " + tally.joined(separator: ", ")) + "\n"
        for warning in warnings { out += "warning: \(warning.description)\n" }
        return out
    }

    /// The widest a padded column grows; longer cells push the rest of their line out instead of
    /// widening every row.
    public static let maximumColumnWidth = 60
}
