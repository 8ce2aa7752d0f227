import CZlib
import CZstd

/// Decompression of compressed clusters and grains with the system zlib and libzstd. Output is
/// capped by the caller's expected size: a stream that would inflate past it is an error, never
/// an allocation sized by the damaged data.
public enum Decompression {
    /// The largest output koopack ever inflates in one call: qcow2's largest cluster (2 MiB) is
    /// the biggest unit any format compresses, so twice that is already absurd.
    public static let maxOutput = 4 << 20

    /// The deflate container: qcow2 stores raw deflate, VMDK streamOptimized a zlib stream.
    public enum Wrapping: Sendable { case raw, zlib }

    /// Inflates `input` into exactly `expected` bytes (fewer when `allowShort`, padded with zeros).
    /// Throws when the data is not deflate or would produce more than `expected` bytes.
    public static func inflate(_ input: ArraySlice<UInt8>, expected: Int, wrapping: Wrapping,
                               allowShort: Bool = false) throws -> [UInt8] {
        guard expected > 0, expected <= maxOutput else {
            throw ImageError(.limit, "compressed block claims \(expected) bytes, more than the \(maxOutput)-byte limit")
        }
        let (output, status, inputLeft, produced) = try inflateOnce(input, capacity: expected, wrapping: wrapping)
        switch status {
        case Z_STREAM_END:
            break
        case Z_BUF_ERROR where produced == expected:
            // The output is full before the stream ended. qcow2 records compressed lengths only
            // to the sector, so QEMU accepts a raw stream that fills the cluster with input left
            // over; a zlib stream (VMDK) must end within its grain.
            if wrapping == .raw { break }
            throw ImageError(.outOfRange, "compressed block inflates past its \(expected)-byte size")
        case Z_BUF_ERROR where inputLeft == 0:
            // Input ran out before the stream ended: a truncated stream. qcow2 may store only
            // as much as is needed, and QEMU accepts a stream that fills the cluster.
            if produced == expected || allowShort { break }
            throw ImageError(.truncated, "compressed block ends early: \(produced) of \(expected) bytes")
        default:
            throw ImageError(.invalid, "compressed block is not valid deflate data (zlib status \(status))")
        }
        if produced < expected && !allowShort {
            throw ImageError(.truncated, "compressed block inflates to \(produced) bytes, expected \(expected)")
        }
        return output
    }

    /// Inflates raw deflate `input` into a buffer of `capacity` bytes and says how many it
    /// produced; a stream that wants more room stops at `capacity`. For callers that must tell a
    /// stream that fills its block exactly from one that overruns it, in one pass.
    public static func inflateCounting(_ input: ArraySlice<UInt8>, capacity: Int) throws -> (bytes: [UInt8], produced: Int) {
        guard capacity > 0, capacity <= maxOutput + 1 else {
            throw ImageError(.limit, "compressed block claims \(capacity) bytes, more than the \(maxOutput)-byte limit")
        }
        let (output, status, _, produced) = try inflateOnce(input, capacity: capacity, wrapping: .raw)
        guard status == Z_STREAM_END || status == Z_BUF_ERROR else {
            throw ImageError(.invalid, "compressed block is not valid deflate data (zlib status \(status))")
        }
        return (output, produced)
    }

    /// One `inflate(Z_FINISH)` of `input` into a zeroed buffer of `capacity` bytes: the buffer,
    /// zlib's status, the input bytes left over and the output bytes produced.
    private static func inflateOnce(_ input: ArraySlice<UInt8>, capacity: Int, wrapping: Wrapping)
        throws -> (output: [UInt8], status: Int32, inputLeft: Int, produced: Int) {
        var output = [UInt8](repeating: 0, count: capacity)
        var stream = z_stream()
        let windowBits: Int32 = wrapping == .raw ? -15 : 15
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageError(.io, "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var input = Array(input)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        return (output, status, Int(stream.avail_in), capacity - Int(stream.avail_out))
    }

    /// Decompresses a zstd frame (qcow2 `compression-type zstd`) into exactly `expected` bytes.
    public static func zstd(_ input: ArraySlice<UInt8>, expected: Int) throws -> [UInt8] {
        guard expected > 0, expected <= maxOutput else {
            throw ImageError(.limit, "compressed block claims \(expected) bytes, more than the \(maxOutput)-byte limit")
        }
        guard let context = ZSTD_createDCtx() else { throw ImageError(.io, "zstd could not be initialised") }
        defer { ZSTD_freeDCtx(context) }
        var output = [UInt8](repeating: 0, count: expected)
        var produced = 0
        var finished = false
        let input = Array(input)
        try input.withUnsafeBytes { inBytes in
            try output.withUnsafeMutableBytes { outBytes in
                var inBuffer = ZSTD_inBuffer(src: inBytes.baseAddress, size: inBytes.count, pos: 0)
                var outBuffer = ZSTD_outBuffer(dst: outBytes.baseAddress, size: outBytes.count, pos: 0)
                // Frames are streamed so a frame whose header claims a huge content size cannot
                // make zstd allocate for it; each call makes progress or the loop ends.
                var rounds = 0
                while inBuffer.pos < inBuffer.size && rounds < 1 << 16 {
                    rounds += 1
                    let before = (inBuffer.pos, outBuffer.pos)
                    let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    if ZSTD_isError(result) != 0 {
                        throw ImageError(.invalid, "compressed block is not valid zstd data: \(String(cString: ZSTD_getErrorName(result)))")
                    }
                    if result == 0 { finished = true; break }
                    if outBuffer.pos == outBuffer.size {
                        // Room is gone; any further output means the block is larger than a cluster.
                        var spare: UInt8 = 0
                        let more = withUnsafeMutablePointer(to: &spare) { pointer -> Int in
                            var extra = ZSTD_outBuffer(dst: pointer, size: 1, pos: 0)
                            let r = ZSTD_decompressStream(context, &extra, &inBuffer)
                            return ZSTD_isError(r) != 0 ? 0 : extra.pos
                        }
                        if more > 0 { throw ImageError(.outOfRange, "compressed block inflates past its \(expected)-byte size") }
                        finished = true
                        break
                    }
                    if before == (inBuffer.pos, outBuffer.pos) { break }
                }
                produced = outBuffer.pos
            }
        }
        guard finished || produced == expected else {
            throw ImageError(.truncated, "compressed block ends early: \(produced) of \(expected) bytes")
        }
        return output
    }

    /// CRC-32 (IEEE, as GPT and zip use it) of `bytes`.
    public static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}
