#!/bin/sh
# The system disk as qcow2 with the dirty bit set: bit 0 of the big-endian incompatible_features (header bytes 72-79), so byte 79.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/app-dirty.qcow2" $(gib 40)
byte=$(od -An -tu1 -j79 -N1 "$out/app-dirty.qcow2" | tr -d ' ')
printf "\\$(printf '%03o' $((byte | 1)))" | dd of="$out/app-dirty.qcow2" bs=1 seek=79 conv=notrunc 2>/dev/null
