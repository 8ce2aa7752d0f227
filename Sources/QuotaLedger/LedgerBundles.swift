import GRDB

/// The product a bundle belongs to, read from its ID: bundles of one release (one product name)
/// share it, so a new bundle can supersede the earlier ones.
public enum BundleIDs {
    /// The product's name as a bundle ID begins: lower-case letters and digits, other runs of
    /// characters as one `-`, at most 40 characters; `bundle` when nothing is left.
    public static func productKey(ofProduct name: String) -> String {
        var slug = ""
        for character in name.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug.append("-")
            }
            if slug.count >= 40 { break }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "bundle" : slug
    }

    /// The product key of a bundle ID `SLUG-YYYYMMDD-XXXXXXXX` (what `koopack bundle` makes):
    /// the slug. An ID of another shape is its own product, so nothing supersedes it by accident.
    public static func productKey(ofBundleID id: String) -> String {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return id }
        let day = parts[parts.count - 2], random = parts[parts.count - 1]
        let isDigit: (Character) -> Bool = { $0 >= "0" && $0 <= "9" }
        let isHex: (Character) -> Bool = { isDigit($0) || ($0 >= "a" && $0 <= "f") }
        guard day.count == 8, day.allSatisfy(isDigit), random.count == 8, random.allSatisfy(isHex) else { return id }
        return parts.dropLast(2).joined(separator: "-")
    }
}

/// A bundle that a newer bundle of the same product replaced: its reservations not yet recorded
/// as uploaded were cancelled (its folder is left as it is).
public struct SupersededBundle: Sendable, Equatable {
    /// The earlier bundle.
    public var bundleID: String
    /// How many of its reservations were cancelled.
    public var cancelled: Int
}

extension Ledger {
    /// The bundle that superseded `bundleID`, nil when none did (or the bundle is unknown).
    public func supersedingBundle(of bundleID: String) throws(LedgerError) -> String? {
        try access("read bundle \(bundleID)") { queue in
            try queue.read { db in try self.supersededBy(db, bundleID) }
        }
    }

    func supersededBy(_ db: Database, _ bundleID: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT superseded_by FROM bundle_product WHERE bundle_id = ?", arguments: [bundleID])
    }

    /// Inside a reservation's transaction: records `bundleID` as a bundle of `productKey` and,
    /// when `productKey` is given, cancels the reservations not yet uploaded of every other
    /// bundle of that product not already superseded, marking them superseded by `bundleID`.
    func supersede(_ db: Database, productKey: String?, by bundleID: String, now: Int64) throws -> [SupersededBundle] {
        try db.execute(sql: """
            INSERT INTO bundle_product (bundle_id, product_key, created_at) VALUES (?, ?, ?)
            ON CONFLICT (bundle_id) DO NOTHING
            """, arguments: [bundleID, productKey ?? BundleIDs.productKey(ofBundleID: bundleID), now])
        guard let productKey else { return [] }
        let earlier = try String.fetchAll(db, sql: """
            SELECT bundle_id FROM bundle_product
            WHERE product_key = ? AND bundle_id != ? AND superseded_by IS NULL ORDER BY created_at, bundle_id
            """, arguments: [productKey, bundleID])
        var superseded: [SupersededBundle] = []
        for old in earlier {
            try db.execute(sql: "DELETE FROM reservation WHERE bundle_id = ? AND state = 'reserved'", arguments: [old])
            let cancelled = db.changesCount
            try db.execute(sql: "UPDATE bundle_product SET superseded_by = ?, superseded_at = ? WHERE bundle_id = ?",
                           arguments: [bundleID, now, old])
            superseded.append(SupersededBundle(bundleID: old, cancelled: cancelled))
        }
        return superseded
    }
}
