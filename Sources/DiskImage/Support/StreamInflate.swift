import CZlib

extension Decompression {
    /// The largest output `inflateStream` ever produces in one call, whatever the caller asks:
    /// the documents koopack reads (PDF content streams, DOCX parts) are text of a few MiB at most.
    public static let maxStreamOutput = 64 << 20

    /// Inflates a zlib (or, with `wrapping: .raw`, raw deflate) stream of unknown output size,
    /// producing at most `limit` bytes (capped at `maxStreamOutput`). Throws an `ImageError` when
    /// the data is not deflate or would inflate past the limit. A stream whose input ends before
    /// its end marker returns what it produced when `allowTruncated` (PDF writers sometimes cut
    /// the checksum), and throws otherwise.
    public static func inflateStream(_ input: ArraySlice<UInt8>, limit: Int, wrapping: Wrapping = .zlib,
                                     allowTruncated: Bool = false) throws -> [UInt8] {
        let cap = max(0, min(limit, maxStreamOutput))
        var stream = z_stream()
        let windowBits: Int32 = wrapping == .raw ? -15 : 15
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageError(.io, "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        let chunkSize = 64 << 10
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var input = Array(input)
        var finished = false
        // Each round either produces output, consumes input or stops, so the rounds are bounded
        // by (input + output) / 1 plus one; the explicit bound guards against a zlib that does neither.
        let maxRounds = input.count + cap / chunkSize + 16
        var rounds = 0
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(clamping: inBuffer.count)
            while rounds < maxRounds {
                rounds += 1
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (status, outBuffer.count - Int(stream.avail_out))
                }
                if produced > 0 {
                    guard output.count + produced <= cap else {
                        throw ImageError(.limit, "compressed stream inflates past the \(cap)-byte limit")
                    }
                    output.append(contentsOf: chunk[0..<produced])
                }
                switch status {
                case Z_STREAM_END:
                    finished = true
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: the input ran out before the stream's end.
                    return
                default:
                    throw ImageError(.invalid, "compressed stream is not valid deflate data (zlib status \(status))")
                }
            }
        }
        if !finished && !allowTruncated {
            throw ImageError(.truncated, "compressed stream ends early, after \(output.count) bytes of output")
        }
        return output
    }
}
