#!/bin/sh
# A 40 GiB system disk (GPT with a BIOS boot partition, an EFI system partition and an ext4 root) as a compressed qcow2; the sidecar has no hw_firmware_type (bios), which the hybrid disk boots with.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
hybrid_disk "$out/app-hybrid.qcow2" $(gib 40)
