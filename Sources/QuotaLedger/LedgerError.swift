import Findings

/// Why the ledger refused or failed. Every error names the ledger file it concerns, so that a
/// user with several ledgers (or a CI cache) knows which one to look at.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// Neither `XDG_DATA_HOME` nor a home directory gives a place for the default ledger.
        case noDefaultLocation
        /// The ledger's directory could not be made.
        case cannotCreateDirectory(directory: String, reason: String)
        /// The file could not be opened or migrated as a ledger.
        case cannotOpen(reason: String)
        /// SQLite failed while doing `operation` (including waiting too long for another writer).
        case database(operation: String, reason: String)
        /// Reserving would take these days past their quota; nothing was reserved.
        case quotaExceeded(bundleID: String, days: [DayExcess])
        /// The bundle already has reservations; cancel them or reserve with `replacing`.
        case bundleAlreadyReserved(bundleID: String)
        /// The ledger holds nothing for this bundle.
        case unknownBundle(bundleID: String)
        /// A newer bundle of the same product superseded this one: its reservations were
        /// cancelled, so there is nothing of it to record.
        case bundleSuperseded(bundleID: String, by: String)
        /// An argument the ledger cannot store (an empty bundle ID, a malformed SHA-256, ...).
        case invalidInput(reason: String)
    }

    /// The ledger file concerned (empty only for `noDefaultLocation`).
    public let ledgerPath: String
    /// What went wrong.
    public let kind: Kind

    /// An error of `kind` about the ledger at `ledgerPath`.
    public init(ledgerPath: String, _ kind: Kind) {
        self.ledgerPath = ledgerPath
        self.kind = kind
    }

    /// Whether this is the quota refusal (the tool worked and said no), as opposed to a
    /// failure to read or write the ledger.
    public var isQuotaRefusal: Bool {
        if case .quotaExceeded = kind { return true }
        return false
    }

    /// One line naming the ledger and what went wrong.
    public var description: String {
        switch kind {
        case .noDefaultLocation:
            return "no place for the upload ledger: set XDG_DATA_HOME or HOME, or give the ledger's path"
        case .cannotCreateDirectory(let directory, let reason):
            return "ledger \(ledgerPath): cannot create directory \(directory): \(reason)"
        case .cannotOpen(let reason):
            return "ledger \(ledgerPath): cannot open: \(reason)"
        case .database(let operation, let reason):
            return "ledger \(ledgerPath): cannot \(operation): \(reason)"
        case .quotaExceeded(let bundleID, let days):
            return "ledger \(ledgerPath): cannot reserve bundle \(bundleID): "
                + days.map(\.description).joined(separator: "; ")
        case .bundleAlreadyReserved(let bundleID):
            return "ledger \(ledgerPath): bundle \(bundleID) already has reservations (cancel them first)"
        case .unknownBundle(let bundleID):
            return "ledger \(ledgerPath): no reservations for bundle \(bundleID)"
        case .bundleSuperseded(let bundleID, let newer):
            return "ledger \(ledgerPath): bundle \(bundleID) was superseded by bundle \(newer) of the same release: upload and record that one"
        case .invalidInput(let reason):
            return "ledger \(ledgerPath): \(reason)"
        }
    }
}

/// One day that a reservation would take past its quota: what it held, what it would hold, and
/// the limits.
public struct DayExcess: Sendable, Equatable, CustomStringConvertible {
    /// The day.
    public var day: UploadDay
    /// What the ledger already held that day (reserved and uploaded).
    public var before: DayUsage
    /// What the day would hold with the reservation.
    public var after: DayUsage
    /// The limits enforced.
    public var limits: QuotaLimits

    /// Whether the file count would pass the quota.
    public var exceedsFiles: Bool { after.files > limits.filesPerDay }
    /// Whether the byte total would pass the quota.
    public var exceedsBytes: Bool { after.bytes > limits.bytesPerDay }

    /// `2026-11-25 (GMT+08:00) would hold 6 files (limit 5; 4 already booked)`.
    public var description: String {
        var parts: [String] = []
        if exceedsFiles {
            parts.append("\(after.files) files (limit \(limits.filesPerDay); \(before.files) already booked)")
        }
        if exceedsBytes {
            parts.append("\(NumberText.grouped(after.bytes)) bytes (limit \(NumberText.grouped(limits.bytesPerDay)); \(NumberText.grouped(before.bytes)) already booked)")
        }
        return "\(day) (\(limits.timeZoneName)) would hold " + parts.joined(separator: " and ")
    }
}
