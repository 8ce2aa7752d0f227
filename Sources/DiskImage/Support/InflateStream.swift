import CZlib

/// A zlib inflate stream kept open across calls, for formats that compress a whole image as one
/// deflate stream cut into records at sync-flush points (ZVHD). Each call inflates one record's
/// bytes into a capped buffer, as zlib's `inflate(Z_SYNC_FLUSH)` does for the driver.
///
/// The stream lives in memory of its own (zlib keeps a pointer back to it and refuses a stream
/// that moved), so a value of this class must not be shared between threads without a lock.
final class InflateStream: @unchecked Sendable {
    /// What one `inflate` call did.
    struct Step {
        /// The output buffer: `produced` bytes of it are data, the rest zeros.
        var output: [UInt8]
        var produced: Int
        /// zlib's status: `Z_OK` when it made progress and the stream goes on.
        var status: Int32
        /// Input bytes zlib did not take.
        var inputLeft: Int
        /// Whether the stream stopped exactly after a deflate block, on a byte boundary: the
        /// point where a raw inflate primed with the last 32 KiB of output can take over.
        var atBlockBoundary: Bool
    }

    /// deflate's window: what a stream started in the middle needs as its dictionary.
    static let windowSize = 32 << 10

    private let stream: UnsafeMutablePointer<z_stream>

    /// A stream expecting a zlib header (`raw` false) or raw deflate (`raw` true), optionally
    /// primed with `dictionary` (raw only: the last output of the blocks before).
    init(raw: Bool, dictionary: [UInt8] = []) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard inflateInit2_(stream, raw ? -15 : 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw ImageError(.invalid, "zlib could not be initialised")
        }
        if !dictionary.isEmpty {
            let status = dictionary.withUnsafeBufferPointer { inflateSetDictionary(stream, $0.baseAddress, uInt($0.count)) }
            guard status == Z_OK else {
                inflateEnd(stream)
                stream.deallocate()
                throw ImageError(.invalid, "zlib refused a \(dictionary.count)-byte dictionary (status \(status))")
            }
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// One `inflate(Z_SYNC_FLUSH)` of all of `input` into a fresh buffer of `capacity` bytes.
    func inflate(_ input: ArraySlice<UInt8>, capacity: Int) -> Step {
        var output = [UInt8](repeating: 0, count: capacity)
        var bytes = Array(input)
        let status: Int32 = bytes.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.pointee.next_in = inBuffer.baseAddress
                stream.pointee.avail_in = uInt(inBuffer.count)
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = uInt(outBuffer.count)
                let status = CZlib.inflate(stream, Z_SYNC_FLUSH)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return status
            }
        }
        let left = Int(stream.pointee.avail_in)
        let produced = capacity - Int(stream.pointee.avail_out)
        // data_type: the unused bits of the last input byte, +128 right after an end-of-block code.
        let type = stream.pointee.data_type
        return Step(output: output, produced: produced, status: status, inputLeft: left,
                    atBlockBoundary: type & 128 != 0 && type & 7 == 0)
    }
}

extension Decompression {
    /// Inflates one block compressed as its own zlib stream cut at a sync flush (ZVHD2's zlib
    /// method: `deflate(Z_SYNC_FLUSH)` on a fresh stream, no final block, no Adler-32) into
    /// exactly `expected` bytes, with one `inflate(Z_SYNC_FLUSH)` as comp_wrapper.c
    /// (__zlib_method_expand_block) does. Like the driver, koopack accepts only `Z_OK` (a
    /// stream that ends, or is not zlib, is refused); unlike it, a block that would inflate past
    /// `expected` is an error rather than silently cut.
    static func inflateSyncFlushed(_ input: ArraySlice<UInt8>, expected: Int) throws -> [UInt8] {
        guard expected > 0, expected <= maxOutput else {
            throw ImageError(.limit, "compressed block claims \(expected) bytes, more than the \(maxOutput)-byte limit")
        }
        let step = try InflateStream(raw: false).inflate(input, capacity: expected + 1)
        return try checkedBlock(step, expected: expected)
    }

    /// The `expected` bytes of `step`, or an error saying how the block is wrong: not zlib, a
    /// stream that ended, more or fewer bytes than the block holds.
    static func checkedBlock(_ step: InflateStream.Step, expected: Int) throws -> [UInt8] {
        if step.produced > expected {
            throw ImageError(.outOfRange, "compressed block inflates past its \(expected)-byte size")
        }
        switch step.status {
        case Z_OK, Z_BUF_ERROR:
            break
        case Z_STREAM_END:
            throw ImageError(.invalid, "compressed block ends its zlib stream after \(step.produced) bytes; the driver accepts only a stream cut at a sync flush")
        default:
            throw ImageError(.invalid, "compressed block is not valid zlib data (zlib status \(step.status))")
        }
        guard step.produced == expected else {
            throw ImageError(.invalid, "compressed block inflates to \(step.produced) bytes, expected \(expected)")
        }
        var output = step.output
        output.removeLast(output.count - expected)
        return output
    }
}
