#!/bin/sh
# Makes the small VMDK fixtures koopack's tests hold against qemu-img, and the qemu-img JSON
# saved beside each (NAME.qemu.json, run in this directory so file names are relative).
# Usage: sh make-vmdk.sh   (needs qemu-img; run from anywhere)
set -eu
cd "$(dirname "$0")"
rm -f sparse.vmdk stream.vmdk split.vmdk split-s001.vmdk vmdk-pattern.raw

# A 1 MiB raw disk with data in its first and last 64 KiB grains and a hole between.
truncate -s 1M vmdk-pattern.raw
printf 'koopack vmdk fixture: first grain\n' | dd of=vmdk-pattern.raw conv=notrunc 2>/dev/null
printf 'koopack vmdk fixture: last grain\n' | dd of=vmdk-pattern.raw bs=1 seek=1048000 conv=notrunc 2>/dev/null

qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse,adapter_type=lsilogic,zeroed_grain=on \
    vmdk-pattern.raw sparse.vmdk
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized vmdk-pattern.raw stream.vmdk
qemu-img convert -f raw -O vmdk -o subformat=twoGbMaxExtentSparse vmdk-pattern.raw split.vmdk
rm -f vmdk-pattern.raw

for name in sparse.vmdk stream.vmdk split.vmdk; do
    qemu-img info --output=json "$name" > "$name.qemu.json"
done
