/// The partition table at the start of a guest disk: what `GuestView.partitionTable` is, and what
/// the release rules judge (KG102, KG115). The raw value is the text reports print.
public enum PartitionTable: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A master boot record with primary (and perhaps logical) partitions.
    case mbr
    /// A GUID partition table (behind a protective MBR).
    case gpt
    /// No partition table: a whole-disk filesystem, or nothing koopack recognises.
    case none

    public var description: String { rawValue }
}
