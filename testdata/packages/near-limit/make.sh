#!/bin/sh
# A sparse raw system disk of 128,000,000,001 bytes: over 128 GB, within 128 GiB.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
raw_system_disk "$out/analytics-node.raw" 128000000001
