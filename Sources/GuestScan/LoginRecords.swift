/// Login records that identify the seller (KG417): `/var/log/wtmp` (logins and reboots),
/// `/var/log/btmp` (failed logins, with the user names people typed) and `/var/log/lastlog`
/// (each account's last login, indexed by UID).
public enum LoginRecords {
    /// `struct utmp` on Linux (glibc, x86_64 and aarch64 alike): 384 bytes, `ut_type` a 16-bit
    /// integer at 0 followed by two bytes of padding; type 0 (`EMPTY`) is an unused slot.
    public static let utmpRecordSize = 384
    /// `struct lastlog` on Linux: a 32-bit `ll_time`, then `ll_line[32]` and `ll_host[256]`.
    public static let lastlogRecordSize = 292
    /// Largest part of a record file read: wtmp grows with every login, and lastlog is a sparse
    /// file as large as the highest UID times 292 bytes (a UID near 2^32 makes it over a
    /// terabyte), so only a prefix is read; 4 MiB holds 10,000 logins or 14,000 UIDs.
    public static let maxBytesRead = 4 << 20

    /// Where the files are.
    public static let wtmpPath = "/var/log/wtmp"
    public static let btmpPath = "/var/log/btmp"
    public static let lastlogPath = "/var/log/lastlog"

    /// How many records of a wtmp or btmp file (its first `maxBytesRead` bytes) are in use
    /// (`ut_type` not 0). A trailing partial record is not counted.
    public static func utmpRecordCount(_ bytes: [UInt8]) -> Int {
        recordsInUse(bytes, recordSize: utmpRecordSize)
    }

    /// How many accounts a lastlog file (its first `maxBytesRead` bytes) records a login for
    /// (`ll_time` not 0); the holes of the sparse file read as zeros and do not count.
    public static func lastlogEntryCount(_ bytes: [UInt8]) -> Int {
        recordsInUse(bytes, recordSize: lastlogRecordSize)
    }

    /// Whole records of `recordSize` bytes in the first `maxBytesRead` bytes whose leading 32-bit
    /// field (`ut_type`, `ll_time`) is not zero.
    static func recordsInUse(_ bytes: [UInt8], recordSize: Int) -> Int {
        var count = 0
        var offset = 0
        let end = min(bytes.count, maxBytesRead)
        while offset + recordSize <= end {
            if bytes[offset..<(offset + 4)].contains(where: { $0 != 0 }) { count += 1 }
            offset += recordSize
        }
        return count
    }
}
