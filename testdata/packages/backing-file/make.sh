#!/bin/sh
# A qcow2 overlay on the system disk: the base lives in base/ so the folder holds one image.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
mkdir -p "$out/base"
system_disk "$out/base/ubuntu-base.qcow2" $(gib 40)
(cd "$out" && qemu-img create -q -f qcow2 -b base/ubuntu-base.qcow2 -F qcow2 app-overlay.qcow2)
