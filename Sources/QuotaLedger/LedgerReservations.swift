import GRDB

/// Whether a ledger row is a booking or a fact.
public enum ReservationState: String, Sendable, CaseIterable {
    /// Booked by `reserve`, not yet uploaded.
    case reserved
    /// Marked uploaded by `record`.
    case uploaded
}

/// One file of one bundle booked (or uploaded) on one day.
public struct ReservationEntry: Sendable, Equatable {
    /// The bundle that booked the file.
    public var bundleID: String
    /// The day it is booked on (or was uploaded on).
    public var day: UploadDay
    /// The file: name, size, digest and role.
    public var file: UploadFile
    /// Booked or uploaded.
    public var state: ReservationState
    /// When it was booked (epoch seconds).
    public var createdAt: Int64
    /// When it was recorded uploaded (epoch seconds), nil while reserved.
    public var uploadedAt: Int64?
}

/// What `reserve` booked.
public struct ReservationResult: Sendable, Equatable {
    /// One day of the booking.
    public struct Day: Sendable, Equatable {
        /// The day booked.
        public var day: UploadDay
        /// Rows written (every planned file, duplicates included).
        public var files: Int
        /// What the ledger held that day before.
        public var before: DayUsage
        /// What it holds now.
        public var after: DayUsage
    }
    /// The bundle booked.
    public var bundleID: String
    /// When the booking was made (epoch seconds).
    public var reservedAt: Int64
    /// The days booked, in calendar order.
    public var days: [Day]
    /// The earlier bundles of the same product this booking superseded.
    public var superseded: [SupersededBundle] = []
    /// Rows written in all.
    public var rows: Int { days.reduce(0) { $0 + $1.files } }
}

/// One day as the ledger sees it: its distinct usage and every row behind it.
public struct DayStatus: Sendable, Equatable {
    /// The day described.
    public var day: UploadDay
    /// Distinct files and bytes, reserved and uploaded together.
    public var usage: DayUsage
    /// The rows, ordered by bundle, then name.
    public var entries: [ReservationEntry]
    /// The bundles with rows that day, sorted.
    public var bundleIDs: [String] { Array(Set(entries.map(\.bundleID))).sorted() }

    /// What each bundle uses that day (a file named twice in one bundle is one upload), sorted
    /// by bundle ID: the totals add up to `usage`.
    public var bundleUsage: [(bundleID: String, usage: DayUsage)] {
        bundleIDs.map { id in
            (id, entries.filter { $0.bundleID == id }.reduce(DayUsage.zero) { $0.adding(sha256: $1.file.sha256, size: $1.file.size) })
        }
    }
}

extension Ledger {
    /// The usage (uploads and bytes, reserved and uploaded together) of each day from `day` for
    /// `days` days (at most `maximumUsageWindowDays`). A file counts once for each bundle that
    /// uploads it (the console counts uploads), once however often one bundle names it. With
    /// `supersedingProduct`, the rows still reserved by that product's bundles are left out:
    /// the bundle about to be booked supersedes them. Days without rows are absent from the
    /// result: they are unused.
    public func usage(from day: UploadDay, days: Int,
                      supersedingProduct: String? = nil) throws(LedgerError) -> [UploadDay: DayUsage] {
        guard days > 0 else { return [:] }
        let count = min(days, Ledger.maximumUsageWindowDays)
        let last = day.adding(days: count - 1) ?? UploadDay.latest
        return try access("read usage") { queue in
            try queue.read { db in try self.usage(db, from: day, through: last, supersedingProduct: supersedingProduct) }
        }
    }

    /// Books every file of `plan` on its day for `bundleID`. In one immediate (write-locked)
    /// transaction it re-reads each day's usage, and refuses with `quotaExceeded` (booking
    /// nothing) if any day that the plan adds to would pass `plan.limits`; so concurrent
    /// processes can never overbook a day. With `replacing`, the bundle's earlier bookings that
    /// are not yet uploaded are dropped first (in the same transaction); without it a bundle
    /// that already has rows is refused with `bundleAlreadyReserved`. With `productKey`
    /// (`BundleIDs.productKey(ofProduct:)`), the same transaction supersedes the product's
    /// earlier bundles: their reservations not yet uploaded are cancelled (`superseded` in the
    /// result says whose) and `record` on them is refused.
    public func reserve(plan: UploadPlan, bundleID: String, replacing: Bool = false,
                        productKey: String? = nil) throws(LedgerError) -> ReservationResult {
        try reserve(plan: plan, bundleID: bundleID, replacing: replacing, productKey: productKey, afterInsertingRow: { _ in })
    }

    /// `reserve`, calling `afterInsertingRow(rowsSoFar)` after each row is written: a throw
    /// from it rolls the whole booking back (used to prove that an interrupted booking leaves nothing).
    func reserve(plan: UploadPlan, bundleID: String, replacing: Bool, productKey: String? = nil,
                 afterInsertingRow: (Int) throws -> Void) throws(LedgerError) -> ReservationResult {
        try validate(bundleID, "bundle ID")
        for file in plan.files {
            try validate(file.name, "file name")
            try validate(file.role, "role of \(file.name)")
            guard file.hasValidSHA256 else {
                throw LedgerError(ledgerPath: path, .invalidInput(
                    reason: "the SHA-256 of \(file.name) is not 64 hexadecimal digits: '\(file.sha256.prefix(80))'"))
            }
            guard file.size <= UInt64(Int64.max) else {
                throw LedgerError(ledgerPath: path, .invalidInput(reason: "\(file.name) has an impossible size \(file.size)"))
            }
        }
        let days = UploadPlan.merged(plan.days)
        let limits = plan.limits
        let now = clock.epochSeconds()
        let ledgerPath = path
        return try access("reserve bundle \(bundleID)") { queue in
            try queue.writeWithoutTransaction { db in
                var booked: [ReservationResult.Day] = []
                var superseded: [SupersededBundle] = []
                try db.inTransaction(.immediate) {
                    superseded = try self.supersede(db, productKey: productKey, by: bundleID, now: now)
                    let existing = try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM reservation WHERE bundle_id = ?", arguments: [bundleID]) ?? 0
                    if existing > 0 {
                        guard replacing else { throw LedgerError(ledgerPath: ledgerPath, .bundleAlreadyReserved(bundleID: bundleID)) }
                        try db.execute(sql: "DELETE FROM reservation WHERE bundle_id = ? AND state = 'reserved'",
                                       arguments: [bundleID])
                    }
                    var excesses: [DayExcess] = []
                    for day in days {
                        let before = try self.usage(db, on: day.day)
                        let after = day.files.reduce(before) { $0.adding(sha256: $1.sha256, size: $1.size) }
                        let addsSomething = after.files > before.files
                        if addsSomething, after.exceeds(limits) {
                            excesses.append(DayExcess(day: day.day, before: before, after: after, limits: limits))
                        }
                        booked.append(.init(day: day.day, files: day.files.count, before: before, after: after))
                    }
                    guard excesses.isEmpty else {
                        throw LedgerError(ledgerPath: ledgerPath, .quotaExceeded(bundleID: bundleID, days: excesses))
                    }
                    var rows = 0
                    for day in days {
                        for file in day.files {
                            try db.execute(sql: """
                                INSERT INTO reservation (bundle_id, day, sha256, size, name, role, state, created_at)
                                VALUES (?, ?, ?, ?, ?, ?, 'reserved', ?)
                                """, arguments: [bundleID, day.day.description, file.sha256, Int64(file.size),
                                                 file.name, file.role, now])
                            rows += 1
                            try afterInsertingRow(rows)
                        }
                    }
                    return .commit
                }
                return ReservationResult(bundleID: bundleID, reservedAt: now, days: booked, superseded: superseded)
            }
        }
    }

    /// Marks the bundle's reserved rows uploaded: those booked on `day`, or all of them when
    /// `day` is nil. When the upload actually happened on another day, give it as `uploadedOn`:
    /// the rows move to that day (an upload is a fact, so this is never refused, even if that
    /// day is now past its quota). Returns how many rows were marked; throws `unknownBundle`
    /// when the ledger has no rows for the bundle.
    public func record(bundleID: String, day: UploadDay? = nil, uploadedOn: UploadDay? = nil) throws(LedgerError) -> Int {
        try validate(bundleID, "bundle ID")
        let now = clock.epochSeconds()
        let ledgerPath = path
        return try access("record bundle \(bundleID)") { queue in
            try queue.write { db in
                if let newer = try self.supersededBy(db, bundleID) {
                    throw LedgerError(ledgerPath: ledgerPath, .bundleSuperseded(bundleID: bundleID, by: newer))
                }
                try self.requireBundle(db, bundleID, ledgerPath)
                try db.execute(sql: """
                    UPDATE reservation SET state = 'uploaded', uploaded_at = ?, day = COALESCE(?, day)
                    WHERE bundle_id = ? AND state = 'reserved' AND (? IS NULL OR day = ?)
                    """, arguments: [now, uploadedOn?.description, bundleID, day?.description, day?.description])
                return db.changesCount
            }
        }
    }

    /// Deletes the bundle's rows that are still reserved (uploads stay: they happened). Returns
    /// how many were deleted; throws `unknownBundle` when the ledger has no rows for the bundle.
    public func cancel(bundleID: String) throws(LedgerError) -> Int {
        try validate(bundleID, "bundle ID")
        let ledgerPath = path
        return try access("cancel bundle \(bundleID)") { queue in
            try queue.write { db in
                try self.requireBundle(db, bundleID, ledgerPath)
                try db.execute(sql: "DELETE FROM reservation WHERE bundle_id = ? AND state = 'reserved'",
                               arguments: [bundleID])
                return db.changesCount
            }
        }
    }

    /// What the ledger holds for `day`: its distinct usage and its rows.
    public func status(day: UploadDay) throws(LedgerError) -> DayStatus {
        try access("read the status of \(day)") { queue in
            try queue.read { db in
                let entries = try self.entries(db, sql: "WHERE day = ? ORDER BY bundle_id, name, id", [day.description])
                return DayStatus(day: day, usage: try self.usage(db, on: day), entries: entries)
            }
        }
    }

    /// Every row of `bundleID`, by day then name (empty when the bundle is unknown).
    public func reservations(bundleID: String) throws(LedgerError) -> [ReservationEntry] {
        try access("read bundle \(bundleID)") { queue in
            try queue.read { db in
                try self.entries(db, sql: "WHERE bundle_id = ? ORDER BY day, name, id", [bundleID])
            }
        }
    }

    // MARK: Queries inside a transaction

    /// Each day's uploads: one per bundle and digest (`DayUsage.uploadKey`), leaving out the
    /// rows still reserved by bundles of `supersedingProduct`.
    func usage(_ db: Database, from first: UploadDay, through last: UploadDay,
               supersedingProduct: String? = nil) throws -> [UploadDay: DayUsage] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT day, bundle_id, sha256, MAX(size) AS size FROM reservation
            WHERE day BETWEEN ? AND ?
              AND NOT (state = 'reserved' AND ? IS NOT NULL
                       AND bundle_id IN (SELECT bundle_id FROM bundle_product WHERE product_key = ?))
            GROUP BY day, bundle_id, sha256
            """, arguments: [first.description, last.description, supersedingProduct, supersedingProduct])
        var usage: [UploadDay: DayUsage] = [:]
        for row in rows {
            let day = try self.day(row["day"])
            let key = DayUsage.uploadKey(bundleID: row["bundle_id"], sha256: row["sha256"])
            usage[day] = (usage[day] ?? .zero).adding(sha256: key, size: try size(row["size"]))
        }
        return usage
    }

    func usage(_ db: Database, on day: UploadDay) throws -> DayUsage {
        try usage(db, from: day, through: day)[day] ?? .zero
    }

    func requireBundle(_ db: Database, _ bundleID: String, _ ledgerPath: String) throws {
        let count = try Int.fetchOne(db, sql: """
            SELECT (SELECT COUNT(*) FROM reservation WHERE bundle_id = ?) + (SELECT COUNT(*) FROM bundle_product WHERE bundle_id = ?)
            """, arguments: [bundleID, bundleID]) ?? 0
        if count == 0 { throw LedgerError(ledgerPath: ledgerPath, .unknownBundle(bundleID: bundleID)) }
    }

    func entries(_ db: Database, sql clause: String, _ arguments: StatementArguments) throws -> [ReservationEntry] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT bundle_id, day, sha256, size, name, role, state, created_at, uploaded_at
            FROM reservation \(clause)
            """, arguments: arguments)
        return try rows.map { row in
            let stateText: String = row["state"]
            guard let state = ReservationState(rawValue: stateText) else {
                throw LedgerError(ledgerPath: path, .database(operation: "read the ledger",
                                                              reason: "a row has state '\(stateText)'"))
            }
            return ReservationEntry(
                bundleID: row["bundle_id"], day: try day(row["day"]),
                file: UploadFile(name: row["name"], size: try size(row["size"]), sha256: row["sha256"], role: row["role"]),
                state: state, createdAt: row["created_at"], uploadedAt: row["uploaded_at"])
        }
    }
}
