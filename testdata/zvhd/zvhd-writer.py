#!/usr/bin/env python3
"""Writes, decodes and describes ZVHD and ZVHD2 images, following FORMAT.md beside this file.

koopack's test fixtures beyond the driver-written images in this folder come from here. The
writer does what the public driver (opnmind/ims-qemu-img, src/zvhd.c and src/zvhd2.c) does when
`qemu-img convert -O zvhd|zvhd2` drives it: one 2 MiB block per write, ascending, zero blocks
skipped, the trailer written after the last block. It reproduces the driver's leftover bytes in
record padding (the compressor's scratch area is never cleared) and writes zeros where the
driver leaves heap memory uninitialised, as the driver-written images here were made.

    zvhd-writer.py write RAW OUT --format zvhd|zvhd2 [--compression zstd|zlib]
                   [--index-zero-blk] [--timestamp SECONDS_SINCE_2000] [--uuid HEX32]
    zvhd-writer.py decode IMAGE OUT [--original]   # the guest disk (virtual size, or orig_size)
    zvhd-writer.py describe IMAGE                  # footer, records, index and bitmap as JSON
    zvhd-writer.py pin DIR                         # holds this writer to the driver's images

`pin` decodes every NAME.expected.json case in DIR, checks the decoded disk against the case's
SHA-256, writes it again with the case's timestamp and UUID, and requires the same footer fields
(but checksum), the same stored blocks and the same index and bitmap structure; it also says
whether the files are byte for byte the same (they are when zlib and libzstd compress as the
driver's build did). Exit status 0 when every case agrees.

zstd comes from the system's libzstd through ctypes (the driver calls ZSTD_compress at level 0,
the library's default, and ZSTD_decompress); zlib from Python's zlib module.
"""

import ctypes
import ctypes.util
import hashlib
import json
import os
import struct
import sys
import tempfile
import uuid as uuidlib
import zlib

SECTOR = 512
FOOTER_BLOCK = 4096                      # every footer copy is a 4 KiB block
BLOCK = 2 << 20                          # zvhd.c / zvhd2.c IMAGE_BLOCK_SIZE
GIB = 1 << 30                            # BLOCK_G_SIZE: the virtual size is rounded up to this
RECORD_HEADER = 48                       # struct ZVHD_DATA / ZVHD2_DATA
PREFIX = b"hwstream bg"                  # ZVHD_DATA_PREFIX, 11 bytes copied
POSTFIX = b"end\0"                       # ZVHD_DATA_POSTFIX, 4 bytes
ZVHD_SCRATCH = 4 << 20                   # zvhd.c BLOCK_4M_SIZE
ZVHD2_SCRATCH = ((2 * BLOCK + BLOCK // 1000 + 128 + 4095) // 4096) * 4096  # zvhd2_open buf_size
ENTRIES_PER_SEGMENT = 32768              # ZVHD2_INDEX_SEG_SIZE / 16
INDEX_SEGMENT = 512 * 1024
BITMAP_SEGMENT = 4096
VHD_EPOCH = 946684800


def round_up(value, unit):
    return (value + unit - 1) // unit * unit


def geometry(size):
    """pvhd_chs in zvhd.c: the VHD CHS algorithm over the original size, as cyl<<16|heads<<8|spt."""
    secs = max(1, (size + SECTOR - 1) // SECTOR) & 0xFFFFFFFF
    secs = min(secs, 65535 * 16 * 255)
    if secs >= 65535 * 16 * 63:
        spt, heads = 255, 16
        cth = secs // spt
    else:
        spt = 17
        cth = secs // spt
        heads = max(4, (cth + 1023) // 1024)
        if cth >= heads * 1024 or heads > 16:
            spt, heads = 31, 16
            cth = secs // spt
        if cth >= heads * 1024:
            spt, heads = 63, 16
            cth = secs // spt
    return ((cth // heads) << 16) | (heads << 8) | spt


def footer_checksum(struct_bytes):
    """pvhd_checksum_footer: NOT of the byte sum of the 512-byte struct, checksum field as zero."""
    data = bytearray(struct_bytes[:512])
    data[64:68] = b"\0\0\0\0"
    return (~sum(data)) & 0xFFFFFFFF


class Zstd:
    """The few libzstd calls the driver's wrapper makes (comp_wrapper.c __zstd_method_*)."""

    def __init__(self):
        name = ctypes.util.find_library("zstd") or "libzstd.so.1"
        self.lib = ctypes.CDLL(name)
        self.lib.ZSTD_compress.restype = ctypes.c_size_t
        self.lib.ZSTD_compress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        self.lib.ZSTD_decompress.restype = ctypes.c_size_t
        self.lib.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t]
        self.lib.ZSTD_isError.restype = ctypes.c_uint
        self.lib.ZSTD_isError.argtypes = [ctypes.c_size_t]

    def compress(self, data, capacity):
        # ZSTD_compressCCtx on one reused context gives what ZSTD_compress gives (it makes and
        # frees such a context per call), without the allocation per block.
        if getattr(self, "scratch", None) is None or len(self.scratch) < capacity:
            self.scratch = ctypes.create_string_buffer(capacity)
            self.lib.ZSTD_createCCtx.restype = ctypes.c_void_p
            self.lib.ZSTD_compressCCtx.restype = ctypes.c_size_t
            self.lib.ZSTD_compressCCtx.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                                   ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            self.context = self.lib.ZSTD_createCCtx()
        source = (ctypes.c_char * len(data)).from_buffer(data) if isinstance(data, bytearray) else data
        n = self.lib.ZSTD_compressCCtx(self.context, self.scratch, capacity, source, len(data), 0)
        if self.lib.ZSTD_isError(n):
            raise RuntimeError("ZSTD_compress failed")
        return ctypes.string_at(self.scratch, n)

    def decompress(self, data, size):
        out = ctypes.create_string_buffer(size)
        n = self.lib.ZSTD_decompress(out, size, data, len(data))
        if self.lib.ZSTD_isError(n) or n != size:
            raise RuntimeError("ZSTD_decompress failed or gave %d bytes, not %d" % (n, size))
        return out.raw


def data_ranges(fd, size):
    """The file's data extents as (start, end), from SEEK_DATA/SEEK_HOLE, so holes are never read."""
    ranges, offset = [], 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError:
            break
        end = os.lseek(fd, start, os.SEEK_HOLE)
        ranges.append((start, min(end, size)))
        offset = end
    return ranges


def blocks_of(path, orig_size):
    """(block number, 2 MiB zero-padded) for every block of the input that holds data; the
    buffer is reused, so it is valid until the next block is asked for."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        ranges = data_ranges(fd, size)
        index = 0
        count = (orig_size + BLOCK - 1) // BLOCK
        data = bytearray(BLOCK)     # one buffer, reused: fresh 2 MiB allocations cost page faults
        zero = bytes(BLOCK)
        for block in range(count):
            start, end = block * BLOCK, min((block + 1) * BLOCK, size)
            while index < len(ranges) and ranges[index][1] <= start:
                index += 1
            if index >= len(ranges) or ranges[index][0] >= end:
                continue
            # Only the data extents inside the block are read; holes are zeros already.
            data[:] = zero
            scan = index
            while scan < len(ranges) and ranges[scan][0] < end:
                low, high = max(ranges[scan][0], start), min(ranges[scan][1], end)
                data[low - start:high - start] = os.pread(fd, high - low, low)
                scan += 1
            yield block, data
    finally:
        os.close(fd)


def base_footer(fmt, orig_size, timestamp, disk_uuid, compression, index_zero_blk):
    """zvhdinitializefooter / zvhd2initializefooter: the 512-byte struct as created."""
    f = bytearray(512)
    f[0:8] = (b"stream" if fmt == "zvhd" else b"z2strm").ljust(8, b"\0")
    struct.pack_into("<IIQI4sII", f, 8, 2, 0x00010000, 0xFFFFFFFFFFFFFFFF, timestamp, b"tap\0", 0x00010004, 0)
    struct.pack_into("<QQII", f, 40, orig_size, round_up(orig_size, GIB), geometry(orig_size), 4)
    f[68:84] = disk_uuid
    if fmt == "zvhd2":
        f[87] = 1
        struct.pack_into("<II", f, 88, BLOCK, (orig_size + BLOCK - 1) // BLOCK)
        f[140] = 1 if index_zero_blk else 0
        f[141] = 1 if compression == "zstd" else 0
    struct.pack_into("<I", f, 64, footer_checksum(f))
    return f


class Writer:
    """One image being written: the output file and the driver's scratch buffer."""

    def __init__(self, out, fmt, compression, index_zero_blk):
        self.out = out
        self.fmt = fmt
        self.compression = compression
        self.index_zero_blk = index_zero_blk
        self.offset = FOOTER_BLOCK
        # zvhd_open / zvhd2_open zero this buffer once; records are built in it and only their
        # own length is cleared afterwards, so padding keeps older compressor output.
        self.buf = bytearray(FOOTER_BLOCK + (ZVHD_SCRATCH if fmt == "zvhd" else ZVHD2_SCRATCH))
        self.deflate = zlib.compressobj(6, zlib.DEFLATED, 15, 8) if fmt == "zvhd" else None
        self.zstd = Zstd() if compression == "zstd" else None
        self.entries = []        # (record offset, block number, record length)

    def compress(self, block):
        if self.fmt == "zvhd":
            # zvhd.c COMP_compress_block on OpenSSL's stateful zlib method: one stream, one
            # Z_SYNC_FLUSH per block.
            return self.deflate.compress(block) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        if self.compression == "zstd":
            return self.zstd.compress(block, ZVHD2_SCRATCH)
        # comp_wrapper.c __zlib_method_init: level 1, windowBits 15, memLevel 8, a fresh stream
        # per block (USE_FRAME_COMPRESSION), one Z_SYNC_FLUSH.
        stream = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY)
        return stream.compress(block) + stream.flush(zlib.Z_SYNC_FLUSH)

    def record(self, number, block):
        """zvhd_write / zvhd2_write for one non-zero block."""
        payload = self.compress(block)
        size = len(payload)
        buf = self.buf
        buf[0:11] = PREFIX
        buf[FOOTER_BLOCK:FOOTER_BLOCK + size] = payload
        struct.pack_into("<II", buf, 12, size, number)
        buf[RECORD_HEADER:RECORD_HEADER + size] = payload          # the memmove to buf+48
        length = round_up(RECORD_HEADER + size + 4, 4096)
        buf[length - 4:length] = POSTFIX
        os.pwrite(self.out, bytes(buf[0:length]), self.offset)
        self.entries.append((self.offset, number, length))
        self.offset += length
        buf[0:length] = bytes(length)


def write(raw, out_path, fmt, compression="zstd", index_zero_blk=False, timestamp=None, disk_uuid=None):
    size = os.stat(raw).st_size
    orig_size = round_up(size, SECTOR)
    if orig_size == 0:
        raise SystemExit("zvhd-writer: the raw disk is empty")
    timestamp = (int(__import__("time").time()) - VHD_EPOCH) & 0xFFFFFFFF if timestamp is None else timestamp
    disk_uuid = uuidlib.uuid4().bytes if disk_uuid is None else disk_uuid
    footer = base_footer(fmt, orig_size, timestamp, disk_uuid, compression, index_zero_blk)
    out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        footer_block = bytes(footer) + bytes(FOOTER_BLOCK - 512)
        os.pwrite(out, footer_block, 0)
        writer = Writer(out, fmt, compression, index_zero_blk)
        zero = bytes(BLOCK)
        for number, block in blocks_of(raw, orig_size):
            if block != zero:
                writer.record(number, block)
        if fmt == "zvhd":
            # The end-of-data write puts the footer block read at open after the last record.
            os.pwrite(out, footer_block, writer.offset)
        else:
            write_zvhd2_trailer(out, writer, footer)
    finally:
        os.close(out)


def write_zvhd2_trailer(out, writer, footer):
    """zvhd2_write's end of data: the middle footer, zvhd2_write_index, zvhd2_write_bitmap and
    zvhd2_write_index_footer."""
    stored = len(writer.entries)
    max_blocks = struct.unpack_from("<I", footer, 92)[0]
    struct.pack_into("<I", footer, 136, stored)
    offset = writer.offset
    os.pwrite(out, bytes(footer) + bytes(FOOTER_BLOCK - 512), offset)   # checksum left stale
    offset += FOOTER_BLOCK
    total = max_blocks if writer.index_zero_blk else stored
    segments = (total + ENTRIES_PER_SEGMENT - 1) // ENTRIES_PER_SEGMENT
    index = bytearray(segments * INDEX_SEGMENT)
    for position, (record, number, length) in enumerate(writer.entries):
        slot = number if writer.index_zero_blk else position
        struct.pack_into("<QII", index, slot * 16, record, number, length)
    index_lba = offset
    os.pwrite(out, bytes(index), offset)
    offset += len(index)
    bitmap_segments = (max_blocks + ENTRIES_PER_SEGMENT - 1) // ENTRIES_PER_SEGMENT
    bitmap = bytearray(bitmap_segments * BITMAP_SEGMENT)
    for _, number, _ in writer.entries:
        bitmap[number // 8] |= 1 << (number % 8)
    bitmap_lba = offset
    os.pwrite(out, bytes(bitmap), offset)
    offset += len(bitmap)
    struct.pack_into("<QQIIIIII", footer, 96, index_lba, bitmap_lba, len(index), len(bitmap),
                     INDEX_SEGMENT, BITMAP_SEGMENT, segments, bitmap_segments)
    struct.pack_into("<I", footer, 64, footer_checksum(footer))
    os.pwrite(out, bytes(footer) + bytes(FOOTER_BLOCK - 512), offset)


FOOTER_FIELDS = [
    ("features", "<I", 8), ("ff_version", "<I", 12), ("data_offset", "<Q", 16), ("timestamp", "<I", 24),
    ("crtr_ver", "<I", 32), ("crtr_os", "<I", 36), ("orig_size", "<Q", 40), ("curr_size", "<Q", 48),
    ("geometry", "<I", 56), ("type", "<I", 60), ("checksum", "<I", 64),
]
ZVHD2_FIELDS = [
    ("block_size", "<I", 88), ("max_blk_num", "<I", 92), ("index_lba", "<Q", 96), ("bitmap_lba", "<Q", 104),
    ("index_size", "<I", 112), ("bitmap_size", "<I", 116), ("index_seg_size", "<I", 120),
    ("bitmap_seg_size", "<I", 124), ("index_seg_num", "<I", 128), ("bitmap_seg_num", "<I", 132),
    ("non_zero_blk_num", "<I", 136),
]


def footer_fields(raw):
    fields = {"cookie": raw[0:8].rstrip(b"\0").decode("latin-1"), "crtr_app": raw[28:32].rstrip(b"\0").decode("latin-1")}
    for name, fmt, offset in FOOTER_FIELDS:
        fields[name] = struct.unpack_from(fmt, raw, offset)[0]
    fields["uuid"] = str(uuidlib.UUID(bytes=bytes(raw[68:84])))
    fields["saved"], fields["hidden"], fields["align_64"] = raw[84], raw[85], raw[86]
    fields["checksum_ok"] = footer_checksum(raw) == fields["checksum"]
    if raw[0:6] == b"z2strm":
        fields["zvhd2_version"] = raw[87]
        for name, fmt, offset in ZVHD2_FIELDS:
            fields[name] = struct.unpack_from(fmt, raw, offset)[0]
        fields["index_contains_zero_blk"], fields["compress_method"] = raw[140], raw[141]
    return fields


def describe(path):
    """What an image holds, as the driver reads it: footer(s), records in block order, and for
    ZVHD2 the index entries in use and the bitmap's set bits."""
    with open(path, "rb") as f:
        data = f.read()
    head = footer_fields(data[0:512])
    if data[0:6] == b"stream":
        records, offset = [], FOOTER_BLOCK
        while data[offset:offset + 11] == PREFIX:
            size, number = struct.unpack_from("<II", data, offset + 12)
            length = round_up(RECORD_HEADER + size + 4, 4096)
            records.append({"offset": offset, "block": number, "size": size, "length": length})
            offset += length
        return {"format": "zvhd", "footer": head, "end_footer": footer_fields(data[-FOOTER_BLOCK:][:512]),
                "end_footer_offset": offset, "records": records}
    final = footer_fields(data[-FOOTER_BLOCK:][:512])
    stored = final["max_blk_num"] if final["index_contains_zero_blk"] else final["non_zero_blk_num"]
    index = []
    for i in range(stored):
        record, number, length = struct.unpack_from("<QII", data, final["index_lba"] + 16 * i)
        if record == 0:
            continue
        size = struct.unpack_from("<I", data, record + 12)[0]
        index.append({"entry": i, "offset": record, "block": number, "length": length, "size": size})
    bitmap = data[final["bitmap_lba"]:final["bitmap_lba"] + final["bitmap_size"]]
    bits = [b for b in range(len(bitmap) * 8) if bitmap[b // 8] >> (b % 8) & 1]
    return {"format": "zvhd2", "header": head, "footer": final, "index": index, "bitmap": bits}


def decode(path, out_path, original=False):
    """The guest disk as the driver reads it back in 2 MiB blocks."""
    info = describe(path)
    with open(path, "rb") as f:
        data = f.read()
    footer = info["footer"]
    size = footer["orig_size"] if original else footer["curr_size"]
    with open(out_path, "wb") as out:
        out.truncate(size)
        if info["format"] == "zvhd":
            stream = zlib.decompressobj()
            for record in info["records"]:
                payload = data[record["offset"] + RECORD_HEADER:record["offset"] + RECORD_HEADER + record["size"]]
                block = stream.decompress(payload)
                if len(block) != BLOCK:
                    raise SystemExit("record for block %d inflates to %d bytes" % (record["block"], len(block)))
                if record["block"] * BLOCK < size:
                    out.seek(record["block"] * BLOCK)
                    out.write(block[:size - record["block"] * BLOCK])
        else:
            zstd = Zstd() if footer["compress_method"] == 1 else None
            for entry in info["index"]:
                payload = data[entry["offset"] + RECORD_HEADER:entry["offset"] + RECORD_HEADER + entry["size"]]
                block = zstd.decompress(payload, BLOCK) if zstd else zlib.decompressobj().decompress(payload)
                if len(block) != BLOCK:
                    raise SystemExit("record for block %d inflates to %d bytes" % (entry["block"], len(block)))
                if entry["block"] * BLOCK < size:
                    out.seek(entry["block"] * BLOCK)
                    out.write(block[:size - entry["block"] * BLOCK])


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def structure(info):
    """The parts of `describe` the writer must reproduce: footer fields but timestamp, UUID and
    checksum, stored blocks, and index and bitmap structure (record offsets and lengths may
    differ where another zlib or zstd build compresses differently)."""
    ignore = {"timestamp", "uuid", "checksum", "checksum_ok", "index_lba", "bitmap_lba"}
    if info["format"] == "zvhd":
        return {"footer": {k: v for k, v in info["footer"].items() if k not in ignore},
                "blocks": [r["block"] for r in info["records"]]}
    return {"header": {k: v for k, v in info["header"].items() if k not in ignore},
            "footer": {k: v for k, v in info["footer"].items() if k not in ignore},
            "index": [(e["entry"], e["block"]) for e in info["index"]], "bitmap": info["bitmap"]}


def pin(directory):
    failures = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".expected.json"):
            continue
        case = json.load(open(os.path.join(directory, name)))
        image = os.path.join(directory, case["image"])
        with tempfile.TemporaryDirectory() as scratch:
            raw = os.path.join(scratch, "disk.raw")
            decode(image, raw, original=True)
            problems = []
            if sha256_file(raw) != case["orig_sha256"]:
                problems.append("decoded disk's SHA-256 is not orig_sha256")
            theirs = describe(image)
            head = theirs["footer"] if case["format"] == "zvhd" else theirs["header"]
            compression = "zstd" if case.get("compress_method", 1) == 1 else "zlib"
            again = os.path.join(scratch, "again")
            write(raw, again, case["format"], compression, bool(case.get("index_contains_zero_blk", 0)),
                  head["timestamp"], uuidlib.UUID(head["uuid"]).bytes)
            mine = describe(again)
            if structure(mine) != structure(theirs):
                problems.append("structure differs:\n  driver %s\n  writer %s" % (structure(theirs), structure(mine)))
            identical = sha256_file(again) == case["image_sha256"]
        print("%-36s %s%s" % (case["image"], "agrees" if not problems else "DIFFERS",
                              " (byte for byte)" if identical and not problems else ""))
        for problem in problems:
            print("  " + problem)
        failures += bool(problems)
    return 1 if failures else 0


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    command, rest = argv[1], argv[2:]
    options = {}
    positional = []
    i = 0
    while i < len(rest):
        if rest[i] in ("--format", "--compression", "--timestamp", "--uuid"):
            options[rest[i][2:]] = rest[i + 1]
            i += 2
        elif rest[i] in ("--index-zero-blk", "--original"):
            options[rest[i][2:]] = True
            i += 1
        else:
            positional.append(rest[i])
            i += 1
    if command == "write" and len(positional) == 2:
        write(positional[0], positional[1], options.get("format", "zvhd2"), options.get("compression", "zstd"),
              options.get("index-zero-blk", False),
              int(options["timestamp"]) if "timestamp" in options else None,
              bytes.fromhex(options["uuid"].replace("-", "")) if "uuid" in options else None)
    elif command == "decode" and len(positional) == 2:
        decode(positional[0], positional[1], options.get("original", False))
    elif command == "describe" and len(positional) == 1:
        print(json.dumps(describe(positional[0]), indent=1))
    elif command == "pin" and len(positional) == 1:
        return pin(positional[0])
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
