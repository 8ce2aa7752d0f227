#!/bin/sh
# A 40 GiB system disk (GPT, EFI system partition, ext4 root, no BIOS boot partition, no MBR boot code) as a compressed qcow2; its sidecar says it lives in AP-Singapore (ap-southeast-3); checked with --site eu.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/web-singapore.qcow2" $(gib 40)
