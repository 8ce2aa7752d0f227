#!/bin/sh
# A 40 GiB system disk (GPT, EFI system partition, ext4 root) as a compressed qcow2; the sidecar makes it firmware-mismatch.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/app-bios.qcow2" $(gib 40)
