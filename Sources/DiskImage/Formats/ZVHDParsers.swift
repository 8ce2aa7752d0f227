/// The ZVHD and ZVHD2 parsers on their own, over bytes: the footer, the bitmap and the index
/// lookups a guest read makes. The fuzzers feed them short inputs fast, without a whole image
/// around them; the formats use the same code.
public enum ZVHDParsers {
    /// The facts of the footer at the start of `bytes` (ZVHD2's fields too when it starts with
    /// `z2strm`) as `format-specific` shows them, with its checksum and oddities.
    public static func footer(_ bytes: [UInt8]) throws -> JSONValue {
        let window = ByteWindow(Array(bytes.prefix(ZVHDFooter.structLength)), at: 0)
        let footer = try ZVHDFooter(window, zvhd2: window.matches(ZVHDFooter.zvhd2Cookie, at: 0))
        var members = footer.jsonMembers
        members.append(("checksum-ok", .bool(footer.checksumMatches)))
        members.append(("virtual-size", .uint(footer.virtualSize)))
        members.append(("warnings", .array(footer.oddities.map(JSONValue.string))))
        if let fields = footer.zvhd2 {
            members.append(("max-blocks", .uint(UInt64(fields.maxBlocks))))
            members.append(("index-offset", .uint(fields.indexOffset)))
        }
        return .object(members)
    }

    /// `bytes` as a ZVHD2 bitmap: the blocks it stores, and for each of `blocks` whether it is
    /// stored and its rank (the index entry it would use).
    public static func bitmap(_ bytes: [UInt8], blocks: [UInt64]) -> (stored: Int, lookups: [(stored: Bool, rank: Int)]) {
        let bitmap = ZVHD2Bitmap(bytes)
        return (bitmap.storedBlocks, blocks.map { (bitmap.isStored($0), bitmap.rank($0)) })
    }

    /// The index lookups of a guest read over `index` (entries from offset 0) with `bitmap`:
    /// for each of `blocks`, the record offset and length its entry gives after every check the
    /// guest reader makes (nil for a zero block), or the error that stops it. Records may lie in
    /// `dataArea`.
    public static func indexLookups(index: [UInt8], bitmap: [UInt8], zeroBlocksIndexed: Bool,
                                    dataArea: Range<UInt64>, blocks: [UInt64]) -> [Result<(offset: UInt64, length: UInt32)?, ImageError>] {
        let bits = ZVHD2Bitmap(bitmap)
        let entries = zeroBlocksIndexed ? UInt64(index.count) / ZVHD2Index.entryLength : UInt64(bits.storedBlocks)
        let layout = ZVHD2Layout(bitmap: bits, zeroBlocksIndexed: zeroBlocksIndexed, indexOffset: 0,
                                 indexEntries: min(entries, UInt64(index.count) / ZVHD2Index.entryLength),
                                 dataArea: dataArea, zstd: true, virtualSize: bits.blockCapacity * ZVHDFooter.driverBlockSize,
                                 footerOffset: 0)
        let map: ZVHD2BlockMap
        do { map = try ZVHD2BlockMap(layout: layout, source: MemoryByteSource(index)) } catch let error as ImageError {
            return blocks.map { _ in .failure(error) }
        } catch {
            return blocks.map { _ in .failure(ImageError(.invalid, "\(error)")) }
        }
        return blocks.map { block in
            do {
                return .success(try map.entry(for: block).map { ($0.entry.recordOffset, $0.entry.recordLength) })
            } catch let error as ImageError {
                return .failure(error)
            } catch {
                return .failure(ImageError(.invalid, "\(error)"))
            }
        }
    }
}
