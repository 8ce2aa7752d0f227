#!/bin/sh
# A sparse raw system disk of 137,438,953,473 bytes (128 GiB + 1): its apparent size is what counts.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
raw_system_disk "$out/bigdata-node.raw" 137438953473
