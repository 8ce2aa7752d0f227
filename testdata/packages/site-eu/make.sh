#!/bin/sh
# A 40 GiB system disk (GPT, EFI system partition, ext4 root, no BIOS boot partition, no MBR boot code) as a compressed qcow2; its sidecar says it lives in EU-Dublin (eu-west-101); checked with --site eu.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
system_disk "$out/web-dublin.qcow2" $(gib 40)
