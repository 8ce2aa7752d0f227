/// One way an upload plan passes the Seller Console's daily quota: which limit, on which day or
/// for which file, with the counts. The ledger judges nothing: whoever reports a breach turns it
/// into a finding (KG301–KG303) through the rule catalogue.
public enum QuotaBreach: Sendable, Equatable {
    /// A day's uploads would pass its file quota (KG301).
    case dayOverFileQuota(DayExcess)
    /// A day's uploads would pass its byte quota (KG302).
    case dayOverByteQuota(DayExcess)
    /// One file is larger than a whole day's byte quota, so no day can take it (KG303).
    /// `sha256` is nil when the file was judged by its size alone, without reading it.
    case fileOverDailyQuota(name: String, size: UInt64, sha256: String?, bytesPerDay: UInt64)
    /// No day within `days` days from `startDay` has room for the file (KG301).
    case noDayWithRoom(file: String, startDay: UploadDay, days: Int)

}
