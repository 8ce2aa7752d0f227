#!/bin/sh
# A 60 GiB system disk as a compressed qcow2 (min_disk in the sidecar says 50).
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/app-60g.qcow2" $(gib 60)
