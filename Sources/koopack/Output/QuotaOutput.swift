import DiskImage
import QuotaLedger

/// `koopack quota status` and `koopack quota plan` in text.
enum QuotaText {
    /// The day and its zone, what is used of each quota and what is left, then each bundle's
    /// files with their state.
    static func status(_ status: DayStatus, day: UploadDay, limits: QuotaLimits, ledgerPath: String) -> String {
        var out = "\(Terminal.bold(day.description)) (\(limits.timeZoneName)), ledger \(ledgerPath)\n"
        out += "  files  \(status.usage.files) of \(limits.filesPerDay) (\(status.usage.remainingFiles(limits)) left)\n"
        out += "  bytes  \(Sizes.grouped(status.usage.bytes)) of \(Sizes.grouped(limits.bytesPerDay))"
            + " (\(Sizes.grouped(status.usage.remainingBytes(limits))) left)\n"
        for (bundle, usage) in status.bundleUsage {
            let rows = status.entries.filter { $0.bundleID == bundle }
            out += "  bundle \(bundle): \(usage.files) file\(usage.files == 1 ? "" : "s"), \(Sizes.grouped(usage.bytes)) bytes\n"
            for row in rows {
                out += "    \(row.state.rawValue.padding(8)) \(row.file.name) (\(row.file.role), \(Sizes.describe(row.file.size)))\n"
            }
        }
        return out
    }

    /// `day 1: 2026-11-25 (GMT+08:00): 3 files, 1.20 GiB added` per day, then each file.
    static func plan(_ plan: UploadPlan) -> String {
        var out = ""
        for (index, day) in plan.days.enumerated() {
            let added = day.added
            out += "day \(index + 1): \(day.day) (\(plan.limits.timeZoneName)): \(day.files.count) file\(day.files.count == 1 ? "" : "s"), "
                + "\(added.bytes == 1 ? "1 byte" : Sizes.describe(added.bytes)) added"
            if day.usedBefore.files > 0 { out += " (\(day.usedBefore.files) files, \(Sizes.grouped(day.usedBefore.bytes)) bytes already booked)" }
            out += "\n"
            for file in day.files { out += "  \(file.name) (\(Sizes.describe(file.size)))\n" }
        }
        if plan.days.isEmpty { out += "nothing to upload\n" }
        return out
    }
}

/// `koopack quota status --format json`: the day, its zone, what is used, the limits, the
/// bundles and every entry.
enum QuotaJSON {
    static func status(_ status: DayStatus, day: UploadDay, limits: QuotaLimits) -> JSONValue {
        let entries: [JSONValue] = status.entries.map { entry in
            .object([("bundle-id", .string(entry.bundleID)), ("name", .string(entry.file.name)),
                     ("size", .uint(entry.file.size)), ("sha256", .string(entry.file.sha256)),
                     ("role", .string(entry.file.role)), ("state", .string(entry.state.rawValue))])
        }
        return .object([
            ("day", .string(day.description)), ("time-zone", .string(limits.timeZoneName)),
            ("files", .int(Int64(status.usage.files))), ("bytes", .uint(status.usage.bytes)),
            ("files-per-day", .int(Int64(limits.filesPerDay))), ("bytes-per-day", .uint(limits.bytesPerDay)),
            ("bundles", .array(status.bundleIDs.map { .string($0) })),
            ("bundle-totals", .array(status.bundleUsage.map { bundle in
                .object([("bundle-id", .string(bundle.bundleID)), ("files", .int(Int64(bundle.usage.files))),
                         ("bytes", .uint(bundle.usage.bytes))])
            })),
            ("entries", .array(entries)),
        ])
    }
}
