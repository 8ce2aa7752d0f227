#!/bin/sh
# Makes the tiny qcow2 fixtures and records what qemu-img says about each.
# Run from anywhere; needs qemu-img (7.2 recorded the committed JSON).
set -eu
cd "$(dirname "$0")"

# A 1 MiB raw disk with a recognisable pattern in its first and last 64 KiB.
pattern() {
    i=0
    while [ $i -lt 1000 ]; do printf 'koopack qcow2 fixture block %04d.....................................\n' $i; i=$((i + 1)); done
}
rm -f qcow2-pattern.raw
pattern | head -c 65536 > qcow2-pattern.raw
truncate -s 983040 qcow2-pattern.raw
pattern | head -c 65536 >> qcow2-pattern.raw

# Version 2 (compat 0.10), 512-byte clusters, zlib-compressed.
qemu-img convert -q -c -f raw -O qcow2 -o compat=0.10,cluster_size=512 qcow2-pattern.raw qcow2-v2-compressed.qcow2
# Version 3 with extended L2 entries, zstd compression and lazy refcounts, 16 KiB clusters.
qemu-img convert -q -c -f raw -O qcow2 \
    -o compat=1.1,cluster_size=16384,extended_l2=on,compression_type=zstd,lazy_refcounts=on \
    qcow2-pattern.raw qcow2-v3-extl2-zstd.qcow2
rm -f qcow2-pattern.raw

for image in qcow2-v2-compressed.qcow2 qcow2-v3-extl2-zstd.qcow2; do
    qemu-img info --output=json "$image" > "$image.qemu.json"
done
