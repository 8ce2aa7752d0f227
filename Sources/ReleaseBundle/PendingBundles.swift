#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bundles being committed, recorded beside the upload ledger (`LEDGER.pending/<bundle-id>`)
/// from just before their quota is reserved until their folder is in place.
///
/// `koopack bundle` reserves quota last, right before renaming the finished bundle into place.
/// A crash between the two would leave a reservation with no bundle. So before reserving, it
/// writes an entry naming the bundle ID, its process, host and final folder; after the rename
/// it removes the entry. Any later run that finds an entry whose process is gone (on this host)
/// settles it: when the final folder holds a manifest with that bundle ID, the bundle was
/// committed and only the entry goes; otherwise the reservation is cancelled and the hidden
/// folder removed. Because the entry lives beside the ledger, not in the hidden folder, it
/// works even when a user deletes the hidden folder by hand.
public struct PendingBundles: Sendable {
    /// One bundle in the middle of its commit.
    public struct Entry: Sendable, Equatable {
        public var bundleID: String
        public var pid: pid_t
        public var host: String
        public var finalPath: String
        public var partialPath: String
    }

    /// The folder holding the entries.
    public let folder: String

    /// The longest entry read: five short lines.
    static let maximumEntryBytes = 16 << 10
    /// The most entries read: far more than processes that could run at once.
    static let maximumEntries = 10_000

    /// The journal beside the ledger file `ledgerPath`.
    public init(ledgerPath: String) {
        folder = ledgerPath + ".pending"
    }

    /// Records that `bundleID` (this process) is about to reserve and commit `partialPath` as
    /// `finalPath`. The entry is flushed to disk before this returns.
    public func record(bundleID: String, finalPath: String, partialPath: String) throws(BundleError) {
        if mkdir(folder, 0o700) != 0 && errno != EEXIST { throw BundleError.system("create", folder) }
        let text = "\(bundleID)\n\(getpid())\n\(PendingBundles.hostName())\n\(finalPath)\n\(partialPath)\n"
        try BundleStage.writeFile(path(of: bundleID), text)
        BundleStage.syncFolder(folder)
    }

    /// Removes `bundleID`'s entry.
    public func remove(bundleID: String) {
        unlink(path(of: bundleID))
        BundleStage.syncFolder(folder)
    }

    /// The entries whose process no longer runs on this host.
    public func stale() -> [Entry] {
        guard let names = try? BundleStage.list(folder) else { return [] }
        let host = PendingBundles.hostName()
        var entries: [Entry] = []
        for name in names.prefix(PendingBundles.maximumEntries) {
            guard let bytes = try? BundleStage.readSmallFile(folder + "/" + name, limit: PendingBundles.maximumEntryBytes) else { continue }
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.count >= 5, lines[0] == name, let pid = pid_t(lines[1]), lines[2] == host else { continue }
            guard pid != getpid(), !BundleStage.processIsAlive(pid) else { continue }
            entries.append(Entry(bundleID: lines[0], pid: pid, host: lines[2], finalPath: lines[3], partialPath: lines[4]))
        }
        return entries
    }

    /// Whether the entry's bundle reached its final folder: a manifest there names its bundle ID.
    public static func wasCommitted(_ entry: Entry) -> Bool {
        (try? BundleVerifier.manifest(of: entry.finalPath))?.bundleID == entry.bundleID
    }

    func path(of bundleID: String) -> String {
        folder + "/" + bundleID.map { $0 == "/" ? "_" : $0 }.reduce(into: "") { $0.append($1) }
    }

    /// This machine's host name (empty when unknown): a PID means something only on its host.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
