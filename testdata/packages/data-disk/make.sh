#!/bin/sh
# A data disk: 40 GiB holding one ext4 filesystem on the whole disk (no partition table), as a compressed qcow2.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
raw="$out/app-data.raw.tmp"
rm -f "$raw"
truncate -s "$(gib 40)" "$raw"
mkfs.ext4 -q -F -L appdata -E lazy_itable_init=1,lazy_journal_init=1 "$raw"
qemu-img convert -c -O qcow2 "$raw" "$out/app-data.qcow2"
rm -f "$raw"
