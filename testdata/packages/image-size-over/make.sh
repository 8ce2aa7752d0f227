#!/bin/sh
# A 40 GiB system disk (GPT, EFI system partition, ext4 root, no BIOS boot partition, no MBR boot code) as a compressed qcow2; its sidecar says IMS holds it as __image_size 140,000,000,000 bytes.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/app-140g.qcow2" $(gib 40)
