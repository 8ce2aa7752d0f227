import GRDB

/// One image koopack bundled for release: the register `koopack check` consults (KG105) to
/// know that an image, or a product, was already released.
public struct ReleaseRecord: Sendable, Equatable {
    /// The IMS image ID.
    public var imageID: String
    /// The KooGallery product ID, when known.
    public var productID: String?
    /// The region ID the image lives in, when known.
    public var region: String?
    /// The bundle that released it.
    public var bundleID: String
    /// The upload day of the release.
    public var day: UploadDay
    /// When it was registered (epoch seconds).
    public var recordedAt: Int64
}

extension Ledger {
    /// Registers `imageIDs` as released by bundle `bundleID` on `day`, with the product and
    /// region when known. Registering an image again for the same bundle updates its record
    /// (a product ID or region learnt later fills the gap; an absent one does not erase it).
    public func registerRelease(imageIDs: [String], productID: String? = nil, region: String? = nil,
                                bundleID: String, day: UploadDay) throws(LedgerError) {
        try validate(bundleID, "bundle ID")
        for imageID in imageIDs { try validate(imageID, "image ID") }
        if let productID { try validate(productID, "product ID") }
        if let region { try validate(region, "region") }
        let now = clock.epochSeconds()
        try access("register the release of bundle \(bundleID)") { queue in
            try queue.write { db in
                for imageID in imageIDs {
                    try db.execute(sql: """
                        INSERT INTO release_register (image_id, product_id, region, bundle_id, day, recorded_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (image_id, bundle_id) DO UPDATE SET
                            product_id = COALESCE(excluded.product_id, product_id),
                            region = COALESCE(excluded.region, region),
                            day = excluded.day,
                            recorded_at = excluded.recorded_at
                        """, arguments: [imageID, productID, region, bundleID, day.description, now])
                }
            }
        }
    }

    /// Every image ID in the release register.
    public func releasedImageIDs() throws(LedgerError) -> Set<String> {
        try access("read the release register") { queue in
            try queue.read { db in Set(try String.fetchAll(db, sql: "SELECT DISTINCT image_id FROM release_register")) }
        }
    }

    /// Every product ID in the release register.
    public func releasedProductIDs() throws(LedgerError) -> Set<String> {
        try access("read the release register") { queue in
            try queue.read { db in
                Set(try String.fetchAll(db, sql:
                    "SELECT DISTINCT product_id FROM release_register WHERE product_id IS NOT NULL"))
            }
        }
    }

    /// Every record of the release register, by day, then image ID, then bundle.
    public func releases() throws(LedgerError) -> [ReleaseRecord] {
        try access("read the release register") { queue in
            try queue.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT image_id, product_id, region, bundle_id, day, recorded_at FROM release_register
                    ORDER BY day, image_id, bundle_id
                    """).map { row in
                    ReleaseRecord(imageID: row["image_id"], productID: row["product_id"], region: row["region"],
                                  bundleID: row["bundle_id"], day: try self.day(row["day"]),
                                  recordedAt: row["recorded_at"])
                }
            }
        }
    }
}
