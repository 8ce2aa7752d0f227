#!/bin/sh
# The system disk converted to Parallels (a format IMS does not import).
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
raw="$out/app-parallels.raw.tmp"
raw_system_disk "$raw" $(gib 40)
qemu-img convert -O parallels "$raw" "$out/app-parallels.hdd"
rm -f "$raw"
