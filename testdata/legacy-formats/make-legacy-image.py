#!/usr/bin/env python3
"""Writes a raw disk as a cloop 2.0 or a DMG (UDIF) image, the two formats qemu-img reads that
no Debian tool writes; qemu-img itself is the reference the result is checked against.

    make-legacy-image.py cloop RAW OUT [--block-size BYTES]
    make-legacy-image.py dmg RAW OUT [--chunk-sectors N]

cloop (the layout of create_compressed_fs): a shell preamble padded to 128 bytes, the block size
and block count (big-endian 32-bit), then count + 1 big-endian 64-bit offsets and one zlib
stream per block.

DMG: the data fork from offset 0, chunked: zero chunks as UDZE, the others alternately zlib
(UDZO) and raw (UDRW); one "mish" block table, base64 in an XML property list; then the
512-byte big-endian "koly" trailer with the sector count.
"""
import base64
import struct
import sys
import zlib

PREAMBLE = b"#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"


def cloop(raw, block_size):
    count = (len(raw) + block_size - 1) // block_size
    blocks = [zlib.compress(raw[i * block_size:(i + 1) * block_size].ljust(block_size, b"\0"), 9) for i in range(count)]
    offsets = [128 + 8 + 8 * (count + 1)]
    for block in blocks:
        offsets.append(offsets[-1] + len(block))
    return PREAMBLE.ljust(128, b"\0") + struct.pack(">II", block_size, count) + \
        b"".join(struct.pack(">Q", o) for o in offsets) + b"".join(blocks)


def dmg(raw, chunk_sectors):
    sectors = (len(raw) + 511) // 512
    raw = raw.ljust(sectors * 512, b"\0")
    fork, entries, flip = b"", [], False
    for first in range(0, sectors, chunk_sectors):
        count = min(chunk_sectors, sectors - first)
        data = raw[first * 512:(first + count) * 512]
        if not any(data):
            entries.append((0, first, count, len(fork), 0))
            continue
        stored = zlib.compress(data, 6) if not flip else data
        entries.append((0x80000005 if not flip else 1, first, count, len(fork), len(stored)))
        fork += stored
        flip = not flip
    entries.append((0xFFFFFFFF, sectors, 0, len(fork), 0))
    mish = b"mish" + struct.pack(">IQQQII", 1, 0, sectors, 0, 0, len(entries)) + bytes(24)
    mish += struct.pack(">II", 2, 32) + bytes(128)
    mish += struct.pack(">I", len(entries))
    for kind, first, count, offset, length in entries:
        mish += struct.pack(">IIQQQQ", kind, 0, first, count, offset, length)
    plist = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n\t<key>resource-fork</key>\n'
             b'\t<dict>\n\t\t<key>blkx</key>\n\t\t<array>\n\t\t\t<dict>\n\t\t\t\t<key>Data</key>\n\t\t\t\t<data>\n'
             + base64.encodebytes(mish) + b'\t\t\t\t</data>\n\t\t\t</dict>\n\t\t</array>\n\t</dict>\n</dict>\n</plist>\n')
    koly = bytearray(512)
    koly[0:4] = b"koly"
    struct.pack_into(">IIIQQQQQ", koly, 4, 4, 512, 1, 0, 0, len(fork), 0, 0)
    struct.pack_into(">QQ", koly, 0xD8, len(fork), len(plist))
    struct.pack_into(">IQ", koly, 0x1E8, 1, sectors)
    return fork + plist + bytes(koly)


def main(argv):
    if len(argv) < 4 or argv[1] not in ("cloop", "dmg"):
        raise SystemExit(__doc__)
    raw = open(argv[2], "rb").read()
    option = int(argv[5]) if len(argv) > 5 else None
    image = cloop(raw, option or 65536) if argv[1] == "cloop" else dmg(raw, option or 2048)
    open(argv[3], "wb").write(image)


if __name__ == "__main__":
    main(sys.argv)
