import CSQLite
import DiskImage

/// rpm's package database in its SQLite form (`rpmdb.sqlite`, rpm 4.16 and later: RHEL 9,
/// Fedora 33+, openEuler 22.03+, ...): table `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`,
/// one RPM header blob per installed package. The file's bytes are handed to SQLite in memory
/// (`sqlite3_deserialize`, read-only), so nothing is written to the host.
public enum RPMDatabase {
    /// Largest rpmdb.sqlite read into memory: a server install's is 10–80 MiB.
    public static let maxDatabaseBytes = 512 << 20
    /// Most packages read.
    public static let maxPackages = 200_000
    /// Largest single header blob parsed (a package with very many files is a few MiB).
    public static let maxHeaderBytes = 64 << 20

    /// The packages in the database `bytes` (rpm's `gpg-pubkey` pseudo-packages, imported
    /// signing keys, are left out), in `hnum` order. Throws `ImageError` when SQLite cannot read
    /// the file or a header blob is damaged.
    public static func packages(fromSQLite bytes: [UInt8]) throws -> [InstalledPackage] {
        guard bytes.count <= maxDatabaseBytes else {
            throw ImageError(.limit, "rpmdb.sqlite is \(bytes.count) bytes, more than the \(maxDatabaseBytes) bytes koopack reads")
        }
        guard bytes.count >= 100, Array(bytes[0..<16]) == Array("SQLite format 3\0".utf8) else {
            throw ImageError(.badMagic, offset: 0, "rpmdb.sqlite does not begin with the SQLite header \"SQLite format 3\"")
        }
        var db: OpaquePointer?
        guard sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let db else {
            sqlite3_close(db)
            throw ImageError(.io, "SQLite could not open an in-memory database")
        }
        defer { sqlite3_close(db) }
        guard let buffer = sqlite3_malloc64(sqlite3_uint64(bytes.count)) else {
            throw ImageError(.io, "SQLite could not allocate \(bytes.count) bytes for rpmdb.sqlite")
        }
        let raw = buffer.bindMemory(to: UInt8.self, capacity: bytes.count)
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { raw.update(from: base, count: bytes.count) }
        }
        // A database in WAL mode (header bytes 18 and 19 = 2) cannot be opened from memory;
        // marking it as a rollback-journal database reads the same pages. Changes still in a
        // -wal file beside it are not seen.
        if raw[18] == 2 { raw[18] = 1 }
        if raw[19] == 2 { raw[19] = 1 }
        let flags = UInt32(SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY)
        let size = sqlite3_int64(bytes.count)
        guard sqlite3_deserialize(db, "main", raw, size, size, flags) == SQLITE_OK else {
            throw ImageError(.invalid, "rpmdb.sqlite: SQLite could not load it: \(String(cString: sqlite3_errmsg(db)))")
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages ORDER BY hnum", -1, &statement, nil) == SQLITE_OK else {
            throw ImageError(.invalid, "rpmdb.sqlite: no Packages table could be read: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        var packages: [InstalledPackage] = []
        var rows = 0
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                throw ImageError(.invalid, "rpmdb.sqlite: reading the Packages table failed: \(String(cString: sqlite3_errmsg(db)))")
            }
            rows += 1
            guard rows <= maxPackages else {
                throw ImageError(.limit, "rpmdb.sqlite holds more than \(maxPackages) packages")
            }
            let hnum = sqlite3_column_int64(statement, 0)
            let length = Int(sqlite3_column_bytes(statement, 1))
            guard length > 0, length <= maxHeaderBytes, let blob = sqlite3_column_blob(statement, 1) else {
                throw ImageError(.outOfRange, "rpmdb.sqlite: package \(hnum) has a header blob of \(length) bytes")
            }
            let header: RPMHeader
            do {
                header = try RPMHeader(Array(UnsafeRawBufferPointer(start: blob, count: length)))
            } catch let error as ImageError {
                throw ImageError(error.kind, "rpmdb.sqlite: package \(hnum): \(error.message)")
            }
            guard let package = try header.package(), package.name != "gpg-pubkey" else { continue }
            packages.append(package)
        }
        return packages
    }
}
