/// Where a run of guest bytes lives in an image.
public enum GuestLocation: Sendable {
    /// In `source`, starting at `offset` (the first byte of the run).
    case data(any ByteSource, offset: UInt64)
    /// Explicitly zero (qcow2 zero clusters, VHDX zero blocks).
    case zero
    /// Not in this image: read from the backing file if there is one, else zeros.
    case unallocated
    /// Already decoded bytes (a decompressed cluster or grain); the run starts at `start`.
    case decoded([UInt8], start: Int)
}

/// A run of guest bytes that share one location.
public struct GuestExtent: Sendable {
    public var location: GuestLocation
    /// How many bytes from the asked-for offset on share the location; at least 1.
    public var length: UInt64

    public init(_ location: GuestLocation, length: UInt64) {
        self.location = location
        self.length = length
    }
}

/// The guest's disk of a format with a block map: each read is split into runs by `locate`, and
/// each run is read from the image, from the backing disk, or filled with zeros. Formats supply
/// only the mapping.
public struct BlockMappedDisk: ByteSource {
    public let size: UInt64
    public let backing: (any ByteSource)?
    let locate: @Sendable (UInt64) throws -> GuestExtent

    /// - Parameters:
    ///   - size: the guest disk's size (the image's virtual size).
    ///   - backing: the backing file's guest disk, read for unallocated runs.
    ///   - locate: for a guest offset below `size`, where the bytes from there on live.
    public init(size: UInt64, backing: (any ByteSource)?,
                locate: @escaping @Sendable (UInt64) throws -> GuestExtent) {
        self.size = size
        self.backing = backing
        self.locate = locate
    }

    /// The largest read koopack serves in one call; callers read partition tables and
    /// filesystem headers, never whole disks at once.
    public static let maxRead = 64 << 20

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let total = Int(min(UInt64(min(count, Self.maxRead)), size - offset))
        var output = [UInt8]()
        output.reserveCapacity(total)
        var position = offset
        while output.count < total {
            let extent = try locate(position)
            guard extent.length > 0 else {
                throw ImageError(.outOfRange, offset: position, "block map gives an empty run at guest offset \(position)")
            }
            let run = Int(min(extent.length, UInt64(total - output.count)))
            switch extent.location {
            case let .data(source, at):
                let bytes = try source.read(at: at, count: run)
                output.append(contentsOf: bytes)
                // A block that the map places past the end of the file reads as zeros past it,
                // as QEMU does for a truncated image; the header check warns about it.
                if bytes.count < run { output.append(contentsOf: repeatElement(0, count: run - bytes.count)) }
            case .zero:
                output.append(contentsOf: repeatElement(0, count: run))
            case .unallocated:
                if let backing {
                    let bytes = try backing.read(at: position, count: run)
                    output.append(contentsOf: bytes)
                    if bytes.count < run { output.append(contentsOf: repeatElement(0, count: run - bytes.count)) }
                } else {
                    output.append(contentsOf: repeatElement(0, count: run))
                }
            case let .decoded(bytes, start):
                guard start >= 0, start <= bytes.count else {
                    throw ImageError(.truncated, offset: position, "decoded block is shorter than its map says")
                }
                let available = min(run, bytes.count - start)
                output.append(contentsOf: bytes[start..<(start + available)])
                if available < run { output.append(contentsOf: repeatElement(0, count: run - available)) }
            }
            position += UInt64(run)
        }
        return output
    }
}
