import DiskImage
import Synchronization

/// An image file on an HTTP(S) server, read by range requests: a `ByteSource` that fetches only
/// the bytes koopack's parsers ask for, in aligned blocks kept in a bounded cache.
///
/// Adjacent blocks missing from one read go in one request. Nothing is read ahead unless a
/// caller asks (`prefetch`), where a format's layout makes the next read certain. The size comes
/// from the first answer's `Content-Range`. Every answer is checked: a `200` with the whole
/// object to a range request stops the transfer at once (the server ignores ranges, and koopack
/// never downloads a whole image); a `Content-Range` other than the one asked for, a body of
/// another length, or an `ETag`/`Last-Modified` that changed since the first answer (the object
/// changed under us) is an error naming the URL (without its query) and the offset.
public final class HTTPRangeSource: ByteSource, Sendable {
    /// The URL read, query included (a presigned signature); `url.description` leaves it out.
    public let url: HTTPURL
    public let size: UInt64
    /// The cache's unit: reads are widened to whole blocks, aligned on block boundaries.
    public let blockSize: Int
    /// Blocks kept at most; the least recently used goes first.
    public let maximumCachedBlocks: Int
    private let client: HTTPClient
    private let identity: ObjectIdentity
    private let cache: Mutex<BlockCache>
    private let counters = TransferCounter()

    /// The largest request koopack makes for one run of missing blocks.
    static let maximumRequestBytes = 16 << 20

    /// Opens `url`: one request for its first block gives the size and the object's identity.
    /// Throws an `ImageError` naming the URL when the server cannot serve ranges of it.
    public init(url: HTTPURL, client: HTTPClient, blockSize: Int = 256 << 10, cacheBytes: Int = 16 << 20) throws {
        precondition(blockSize > 0 && blockSize <= Self.maximumRequestBytes, "block size out of range")
        self.url = url
        self.client = client
        self.blockSize = blockSize
        self.maximumCachedBlocks = max(2, cacheBytes / blockSize)
        let first = try RangeFetch.first(url: url, client: client, length: blockSize, counters: counters)
        self.size = first.size
        self.identity = first.identity
        var cache = BlockCache()
        if !first.body.isEmpty { cache.insert(0, first.body, capacity: maximumCachedBlocks) }
        self.cache = Mutex(cache)
    }

    /// Requests and body bytes so far (retries and redirects included), for `--verbose` and
    /// benchmarks.
    public var statistics: TransferStatistics { counters.value }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let end = offset + min(UInt64(count), size - offset)
        let firstBlock = Int(offset / UInt64(blockSize))
        let lastBlock = Int((end - 1) / UInt64(blockSize))
        let blocks = try self.blocks(firstBlock...lastBlock)
        var out: [UInt8] = []
        out.reserveCapacity(Int(end - offset))
        for index in firstBlock...lastBlock {
            let block = blocks[index]!
            let blockStart = UInt64(index) * UInt64(blockSize)
            let from = Int(max(offset, blockStart) - blockStart)
            let to = Int(min(end, blockStart + UInt64(block.count)) - blockStart)
            guard from < to else { break }
            out += block[from..<to]
        }
        return out
    }

    /// Reads the blocks holding `[offset, offset + count)` into the cache in as few requests as
    /// possible, so that the reads a format's layout makes certain cost no round trips.
    public func prefetch(at offset: UInt64, count: Int) throws {
        guard count > 0, offset < size else { return }
        let end = offset + min(UInt64(count), size - offset)
        let last = min(Int((end - 1) / UInt64(blockSize)), Int(offset / UInt64(blockSize)) + maximumCachedBlocks - 1)
        _ = try blocks(Int(offset / UInt64(blockSize))...last)
    }

    /// The blocks `range`, from the cache or fetched (consecutive missing ones together).
    private func blocks(_ range: ClosedRange<Int>) throws -> [Int: [UInt8]] {
        try cache.withLock { cache -> [Int: [UInt8]] in
            var found: [Int: [UInt8]] = [:]
            var missing: [Int] = []
            for index in range {
                if let block = cache.lookup(index) { found[index] = block } else { missing.append(index) }
            }
            let maximumRunBlocks = max(1, Self.maximumRequestBytes / blockSize)
            var position = 0
            while position < missing.count {
                var runEnd = position
                while runEnd + 1 < missing.count, missing[runEnd + 1] == missing[runEnd] + 1,
                      runEnd + 1 - position < maximumRunBlocks { runEnd += 1 }
                let start = UInt64(missing[position]) * UInt64(blockSize)
                let end = min(UInt64(missing[runEnd] + 1) * UInt64(blockSize), size)
                let bytes = try RangeFetch.range(url: url, client: client, start: start, end: end,
                                                 size: size, identity: identity, counters: counters)
                for index in missing[position]...missing[runEnd] {
                    let from = (index - missing[position]) * blockSize
                    let block = Array(bytes[from..<min(from + blockSize, bytes.count)])
                    found[index] = block
                    cache.insert(index, block, capacity: maximumCachedBlocks)
                }
                position = runEnd + 1
            }
            return found
        }
    }
}

/// How much a remote source has cost: HTTP exchanges and response body bytes.
public struct TransferStatistics: Sendable, Equatable {
    public var requests = 0
    public var bytes: UInt64 = 0

    public init(requests: Int = 0, bytes: UInt64 = 0) {
        self.requests = requests
        self.bytes = bytes
    }
}

/// Counts the exchanges of one source, from whatever thread runs them.
final class TransferCounter: Sendable {
    private let state = Mutex(TransferStatistics())

    var value: TransferStatistics { state.withLock { $0 } }

    func add(_ exchange: HTTPExchange) {
        state.withLock {
            $0.requests += 1
            $0.bytes += UInt64(exchange.bodyBytes)
        }
    }
}

/// The validators that tell one version of the object from another.
struct ObjectIdentity: Sendable, Equatable {
    var etag: String?
    var lastModified: String?
}

/// Recently used blocks, at most a capacity of them.
struct BlockCache {
    private var blocks: [Int: (bytes: [UInt8], used: UInt64)] = [:]
    private var clock: UInt64 = 0

    mutating func lookup(_ index: Int) -> [UInt8]? {
        guard let entry = blocks[index] else { return nil }
        clock += 1
        blocks[index] = (entry.bytes, clock)
        return entry.bytes
    }

    mutating func insert(_ index: Int, _ bytes: [UInt8], capacity: Int) {
        clock += 1
        blocks[index] = (bytes, clock)
        while blocks.count > capacity, let oldest = blocks.min(by: { $0.value.used < $1.value.used })?.key {
            blocks[oldest] = nil
        }
    }
}
