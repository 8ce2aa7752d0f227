import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The upload ledger: an SQLite file recording which files each release bundle will upload (or
/// has uploaded) on which day, and which images koopack bundled for release.
///
/// Several koopack processes may share one ledger (a seller's laptop, parallel CI jobs on one
/// cache). Every booking happens in one `BEGIN IMMEDIATE` transaction that re-reads the day's
/// usage under SQLite's write lock, so two processes can never book a day past its quota
/// between them; a process that finds the lock taken waits (up to the busy timeout) rather
/// than failing. Each `Ledger` holds one connection; open one per process or thread as needed.
public final class Ledger: Sendable {
    /// The ledger file.
    public let path: String
    /// Where "now" comes from, for `created_at`/`recorded_at` stamps.
    public let clock: UploadClock
    let queue: DatabaseQueue

    /// How long a writer waits for another process's transaction before giving up: long enough
    /// for any booking (a few hundred rows), short enough that a stuck process is reported.
    public static let defaultBusyTimeoutSeconds: Double = 30

    /// The longest bundle ID, file name, role, image ID, product ID or region the ledger stores:
    /// these are names people type, and a cap keeps a runaway input out of the file.
    public static let maximumTextLength = 1024

    /// The widest window `usage(from:days:)` reads: the planner's horizon.
    public static let maximumUsageWindowDays = UploadPlanner.maximumPlanDays

    /// Opens (creating it and its directory when missing) the ledger at `path`, bringing its
    /// schema up to date. `busyTimeoutSeconds` is how long to wait for another process's write.
    public init(path: String, clock: UploadClock = .system,
                busyTimeoutSeconds: Double = Ledger.defaultBusyTimeoutSeconds) throws(LedgerError) {
        self.path = path
        self.clock = clock
        guard !path.isEmpty else { throw LedgerError(ledgerPath: path, .invalidInput(reason: "the ledger path is empty")) }
        if let slash = path.lastIndex(of: "/") {
            let directory = String(path[..<slash])
            if !directory.isEmpty, let reason = Ledger.createDirectories(directory) {
                throw LedgerError(ledgerPath: path, .cannotCreateDirectory(directory: directory, reason: reason))
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeoutSeconds)
        configuration.label = "koopack ledger"
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw LedgerError(ledgerPath: path, .cannotOpen(reason: "\(error)"))
        }
        do {
            try Ledger.migrate(queue)
        } catch {
            throw LedgerError(ledgerPath: path, .cannotOpen(reason: "cannot bring the schema up to date: \(error)"))
        }
    }

    /// Opens the ledger at the default path (see `defaultPath()`).
    public static func openDefault(clock: UploadClock = .system,
                                   busyTimeoutSeconds: Double = Ledger.defaultBusyTimeoutSeconds) throws(LedgerError) -> Ledger {
        guard let path = defaultPath() else { throw LedgerError(ledgerPath: "", .noDefaultLocation) }
        return try Ledger(path: path, clock: clock, busyTimeoutSeconds: busyTimeoutSeconds)
    }

    /// `$XDG_DATA_HOME/koopack/ledger.sqlite` when `xdgDataHome` is an absolute path (the XDG
    /// base directory rule: relative values are ignored), else `home/.local/share/koopack/ledger.sqlite`;
    /// nil when neither is usable.
    public static func defaultPath(xdgDataHome: String?, home: String?) -> String? {
        if let xdg = xdgDataHome, xdg.hasPrefix("/") {
            return trimmingTrailingSlashes(xdg) + "/koopack/ledger.sqlite"
        }
        if let home, home.hasPrefix("/") {
            return trimmingTrailingSlashes(home) + "/.local/share/koopack/ledger.sqlite"
        }
        return nil
    }

    /// The default ledger path from this process's environment (`XDG_DATA_HOME`, `HOME`, and
    /// the password database's home directory when `HOME` is unset).
    public static func defaultPath() -> String? {
        func environment(_ name: String) -> String? {
            guard let value = getenv(name) else { return nil }
            return String(cString: value)
        }
        var home = environment("HOME")
        if home?.isEmpty ?? true, let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir {
            home = String(cString: directory)
        }
        return defaultPath(xdgDataHome: environment("XDG_DATA_HOME"), home: home)
    }

    // MARK: Schema

    /// The schema's migrations, in order. Never edit a shipped migration: add one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: reservations and release register") { db in
            try db.execute(sql: """
                CREATE TABLE reservation (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    bundle_id TEXT NOT NULL,
                    day TEXT NOT NULL CHECK (length(day) = 10),
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                    size INTEGER NOT NULL CHECK (size >= 0),
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('reserved', 'uploaded')),
                    created_at INTEGER NOT NULL,
                    uploaded_at INTEGER
                );
                CREATE INDEX reservation_by_day ON reservation (day, sha256);
                CREATE INDEX reservation_by_bundle ON reservation (bundle_id);
                CREATE TABLE release_register (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    image_id TEXT NOT NULL,
                    product_id TEXT,
                    region TEXT,
                    bundle_id TEXT NOT NULL,
                    day TEXT NOT NULL CHECK (length(day) = 10),
                    recorded_at INTEGER NOT NULL,
                    UNIQUE (image_id, bundle_id)
                );
                CREATE INDEX release_register_by_product ON release_register (product_id);
                """)
        }
        migrator.registerMigration("v2: bundles by product, for superseding") { db in
            try db.execute(sql: """
                CREATE TABLE bundle_product (
                    bundle_id TEXT PRIMARY KEY,
                    product_key TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    superseded_by TEXT,
                    superseded_at INTEGER
                );
                CREATE INDEX bundle_product_by_key ON bundle_product (product_key);
                """)
            // Every bundle already in the ledger gets its row, its product read back from its ID
            // (`BundleIDs.productKey`); no reservation is touched.
            let rows = try Row.fetchAll(db, sql: """
                SELECT bundle_id, MIN(created_at) AS created_at FROM reservation GROUP BY bundle_id
                """)
            for row in rows {
                let bundleID: String = row["bundle_id"]
                try db.execute(sql: "INSERT INTO bundle_product (bundle_id, product_key, created_at) VALUES (?, ?, ?)",
                               arguments: [bundleID, BundleIDs.productKey(ofBundleID: bundleID), row["created_at"] as Int64])
            }
        }
        return migrator
    }

    /// Runs the migrations. Two processes opening a new ledger at once may both decide to
    /// migrate; GRDB applies each migration in an immediate transaction, so the second one fails
    /// on the tables the first made. When that happens and the schema is now complete, all is
    /// well; when it is not (the first has committed v1 but not yet v2), migrating again starts
    /// from what the first committed. Each failure means another process committed a migration,
    /// so one attempt per migration, and one more, is enough.
    static func migrate(_ queue: DatabaseQueue) throws {
        let migrator = self.migrator
        let attempts = migrator.migrations.count + 1
        for attempt in 1...attempts {
            do {
                try migrator.migrate(queue)
                return
            } catch {
                let complete = (try? queue.read { db in try migrator.hasCompletedMigrations(db) }) ?? false
                if complete { return }
                if attempt == attempts { throw error }
            }
        }
    }

    // MARK: Helpers

    /// Runs `body` on the connection, turning any failure that is not already a `LedgerError`
    /// into `.database(operation:)` naming this ledger.
    func access<T>(_ operation: String, _ body: (DatabaseQueue) throws -> T) throws(LedgerError) -> T {
        do {
            return try body(queue)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(ledgerPath: path, .database(operation: operation, reason: "\(error)"))
        }
    }

    /// Throws `invalidInput` unless `text` (called `what`) is non-empty and at most
    /// `maximumTextLength` bytes.
    func validate(_ text: String, _ what: String) throws(LedgerError) {
        guard !text.isEmpty else { throw LedgerError(ledgerPath: path, .invalidInput(reason: "the \(what) is empty")) }
        guard text.utf8.count <= Ledger.maximumTextLength else {
            throw LedgerError(ledgerPath: path, .invalidInput(
                reason: "the \(what) is \(text.utf8.count) bytes long, more than \(Ledger.maximumTextLength)"))
        }
    }

    /// A day read back from the file, or a database error naming the bad value.
    func day(_ text: String) throws -> UploadDay {
        guard let day = UploadDay(text) else {
            throw LedgerError(ledgerPath: path, .database(operation: "read the ledger",
                                                          reason: "a row has day '\(text)', not a YYYY-MM-DD date"))
        }
        return day
    }

    /// A size read back from the file (the schema keeps it non-negative).
    func size(_ value: Int64) throws -> UInt64 {
        guard let size = UInt64(exactly: value) else {
            throw LedgerError(ledgerPath: path, .database(operation: "read the ledger", reason: "a row has size \(value)"))
        }
        return size
    }

    /// `mkdir -p directory` with mode 0700 (the XDG rule for data directories); nil on
    /// success, else the reason.
    static func createDirectories(_ directory: String) -> String? {
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += component
            if mkdir(prefix, 0o700) != 0 {
                let code = errno
                if code != EEXIST {
                    return "\(prefix): " + String(cString: strerror(code))
                }
            }
            prefix += "/"
        }
        return nil
    }

    static func trimmingTrailingSlashes(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
