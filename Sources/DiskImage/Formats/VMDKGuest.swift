/// The guest's disk of a VMDK: each guest offset is found in its extent (in guest order), and
/// within it through the grain directory and tables (sparse), at its offset in the file (flat),
/// or read as zeros (ZERO extents).
extension VMDKDisk {
    /// The guest disk as a byte source; unallocated grains read from `backing`, else zeros.
    func guest(backing: (any ByteSource)?) -> any ByteSource {
        let extents = self.extents
        return BlockMappedDisk(size: virtualSize, backing: backing) { offset in
            guard let index = Self.extentIndex(containing: offset, in: extents) else {
                throw ImageError(.outOfRange, "guest offset \(offset) lies in no extent")
            }
            let extent = extents[index]
            let local = offset - extent.start
            let remaining = extent.byteCount - local
            switch extent.storage {
            case .zero:
                return GuestExtent(.zero, length: remaining)
            case let .flat(file, start):
                return GuestExtent(.data(file, offset: start + local), length: remaining)
            case let .sparse(sparse):
                do {
                    var run = try sparse.locate(local)
                    run.length = min(run.length, remaining)
                    return run
                } catch let error as ImageError {
                    throw error.attributed(to: sparse.path)
                }
            }
        }
    }

    /// The index of the extent holding guest byte `offset`, by binary search over the extents'
    /// start offsets (which increase).
    static func extentIndex(containing offset: UInt64, in extents: [VMDKExtent]) -> Int? {
        var low = 0
        var high = extents.count
        while low < high {
            let middle = low + (high - low) / 2
            let extent = extents[middle]
            if offset < extent.start {
                high = middle
            } else if offset - extent.start >= extent.byteCount {
                low = middle + 1
            } else {
                return middle
            }
        }
        return nil
    }
}
