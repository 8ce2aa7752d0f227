#!/bin/sh
# A 1,100 GiB system disk whose ext4 root is still 40 GiB (not yet grown), as a compressed qcow2.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/warehouse-1100g.qcow2" $(gib 1100) $(gib 40)
