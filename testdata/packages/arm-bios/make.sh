#!/bin/sh
# A 40 GiB system disk (GPT with a BIOS boot partition, an EFI system partition and an ext4 root) as a compressed qcow2; the sidecar says an ARM image (__support_arm, architecture aarch64) under hw_firmware_type bios.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
hybrid_disk "$out/app-arm.qcow2" $(gib 40)
