#!/bin/sh
# A 40 GiB system disk (GPT, EFI system partition, ext4 root, no BIOS boot partition, no MBR boot code) as a compressed qcow2; its sidecar says a private image made from a Windows Server public image.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/win-app.qcow2" $(gib 40)
