import QuotaLedger

/// Settling bundles that a killed process left half-done: the repair step of a bundle
/// transaction, run by every command that opens the ledger.
public enum BundleRepair {
    /// Cancels the reservations of bundles whose process died between reserving and renaming
    /// (recorded beside the ledger), and removes hidden `.NAME.partial-PID` folders of dead
    /// processes beside `out` (cancelling the bundle their manifest names, if it was reserved
    /// but never committed). Returns what was done and what failed, one line each: this is
    /// cleanup, so problems are reported and otherwise ignored.
    public static func settle(_ ledger: Ledger, near out: String? = nil) -> [String] {
        var notes: [String] = []
        let journal = PendingBundles(ledgerPath: ledger.path)
        for entry in journal.stale() {
            if !PendingBundles.wasCommitted(entry) {
                notes += cancel(ledger, entry.bundleID)
                BundleStage.removeTree(entry.partialPath)
            }
            journal.remove(bundleID: entry.bundleID)
        }
        guard let out else { return notes }
        for partial in BundleStage.stalePartials(near: out) {
            if let id = partial.bundleID, (try? BundleVerifier.manifest(of: out))?.bundleID != id {
                notes += cancel(ledger, id)
            }
            BundleStage.removeTree(partial.path)
            notes.append("removed \(partial.path), left by process \(partial.pid), which no longer runs")
        }
        return notes
    }

    /// Cancels what `bundleID` reserved; the line saying so, or why it failed.
    static func cancel(_ ledger: Ledger, _ bundleID: String) -> [String] {
        do {
            let rows = try ledger.cancel(bundleID: bundleID)
            return rows > 0 ? ["cancelled \(rows) reservations of bundle \(bundleID), which was never completed"] : []
        } catch {
            if case .unknownBundle = error.kind { return [] }
            return [error.description]
        }
    }

    /// The bundle ID of `argument`: the ID in the manifest when it is a bundle folder, else the
    /// argument itself.
    public static func bundleID(_ argument: String) -> String {
        (try? BundleVerifier.manifest(of: argument))?.bundleID ?? argument
    }
}
