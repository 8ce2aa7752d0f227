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
        let order = AuditReport.order(of: entries.map { SortKey(region: $0.region, name: $0.name, id: $0.id) })
        self.init(sortedEntries: order.map { entries[$0] }, warnings: warnings)
    }

    /// A report of `entries` already in the report's order (`order(of:)`), and `warnings`.
    init(sortedEntries: [AuditEntry], warnings: [AccountWarning]) {
        self.entries = sortedEntries
        self.warnings = warnings
    }

    /// What an entry is ordered by.
    struct SortKey {
        var region: String?
        var name: String?
        var id: String
    }

    /// The positions of `keys` in the report's order: region, then name, then ID; unknown
    /// regions after known ones, unnamed images after named ones in their region. Keys are
    /// sorted, not entries: sorting entries moved and retained every field of each many times.
    static func order(of keys: [SortKey]) -> [Int] {
        Array(keys.indices).sorted { i, j in
            let a = keys[i], b = keys[j]
            if a.region != b.region {
                guard let ra = a.region else { return false }
                guard let rb = b.region else { return true }
                return ra.precedes(rb)
            }
            if a.name != b.name {
                guard let na = a.name else { return false }
                guard let nb = b.name else { return true }
                return na.precedes(nb)
            }
            return a.id.precedes(b.id)
        }
    }

    /// How many images are in each state, every state listed (in precedence order), zeros included.
    public var counts: [(state: AuditState, count: Int)] {
        var tally = [Int](repeating: 0, count: AuditState.allCases.count)
        for i in entries.indices { tally[AuditState.precedence(entries[i].state)] += 1 }
        return AuditState.allCases.map { ($0, tally[AuditState.precedence($0)]) }
    }

    /// The number of images in `state`.
    public func count(_ state: AuditState) -> Int {
        entries.reduce(0) { $0 + ($1.state == state ? 1 : 0) }
    }

    /// The report with only the entries in `states` (`--state`); an empty set keeps all.
    public func filtered(states: Set<AuditState>) -> AuditReport {
        guard !states.isEmpty else { return self }
        return AuditReport(sortedEntries: entries.filter { states.contains($0.state) }, warnings: warnings)
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
