/// A guest disk that can tell, from its block map alone, where it reads as zeros: holes, zero
/// clusters, blocks a bitmap marks empty. `RawExport` skips such runs instead of reading and
/// testing them, which is what makes converting a mostly empty 40 GiB disk fast.
public protocol ZeroRunSource: ByteSource {
    /// How many bytes from `offset` on, at most `limit`, certainly read as zeros; 0 when the byte
    /// at `offset` may hold data (it is then read and tested).
    func zeroRun(at offset: UInt64, limit: UInt64) throws -> UInt64
    /// Whether the disk should be read front to back by one reader: a stream that cannot seek
    /// cheaply (ZVHD) pays for every read behind its position.
    var readsInOrder: Bool { get }
}

extension ZeroRunSource {
    public var readsInOrder: Bool { false }
}

extension BlockMappedDisk: ZeroRunSource {
    /// Zero and unallocated runs, the latter through the backing disk when there is one.
    /// Compressed and stored data counts as data (it is read and tested by the caller).
    public func zeroRun(at offset: UInt64, limit: UInt64) throws -> UInt64 {
        var run: UInt64 = 0
        while run < limit, offset + run < size {
            let position = offset + run
            let extent = try locate(position)
            guard extent.length > 0 else { break }
            let span = min(extent.length, limit - run, size - position)
            switch extent.location {
            case .zero:
                run += span
            case .unallocated:
                let below = try Self.zeroRun(in: backing, at: position, limit: span)
                run += below
                if below < span { return run }
            case .data, .decoded:
                return run
            }
        }
        return min(run, limit)
    }

    /// The zero run of a backing disk: all of it past the backing disk's end (reads there give
    /// zeros), what its own map says inside, nothing known for a disk without a map.
    private static func zeroRun(in backing: (any ByteSource)?, at position: UInt64, limit: UInt64) throws -> UInt64 {
        guard let backing else { return limit }
        guard position < backing.size else { return limit }
        guard let sparse = backing as? any ZeroRunSource else { return 0 }
        let inside = min(limit, backing.size - position)
        let run = try sparse.zeroRun(at: position, limit: inside)
        return run == inside ? limit : run
    }

    public var readsInOrder: Bool { (backing as? any ZeroRunSource)?.readsInOrder ?? false }
}
