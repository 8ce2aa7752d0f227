#!/bin/sh
# A 40 GiB system disk (GPT, EFI system partition, ext4 root, no BIOS boot partition, no MBR boot code) as a compressed qcow2; the sidecar has no hw_firmware_type (IMS reads that as bios), so it is firmware-absent.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/app-nofw.qcow2" $(gib 40)
