#!/bin/sh
# Makes the example release's image: a 64 MiB system disk with an MBR whose one partition is
# bootable and holds an (empty) ext4 filesystem, as a compressed qcow2 with 4 KiB clusters, so
# that the committed file is about 48 KB.
#
# Usage: sh make-image.sh [OUTPUT]   (default: web.qcow2 beside this script)
# Needs: truncate, sfdisk (util-linux), mkfs.ext4 (e2fsprogs), qemu-img (qemu-utils).
#
# Every identifier is fixed (disk ID, filesystem UUID, hash seed, time), so the guest's bytes are
# the same on every run; `qemu-img compare` tells a fresh image from the committed one.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
out=${1:-$here/web.qcow2}
work=$(mktemp -d "${TMPDIR:-/tmp}/koopack-example.XXXXXX")
trap 'rm -rf "$work"' EXIT
PATH=$PATH:/usr/sbin:/sbin

raw=$work/system.raw
truncate -s 64M "$raw"
# Partition 1: from sector 2048 (1 MiB) to the end of the disk, type 0x83 (Linux), bootable.
sfdisk -q --no-reread --no-tell-kernel "$raw" <<'TABLE'
label: dos
label-id: 0x4b4f4f50
unit: sectors
start=2048, type=83, bootable
TABLE
# The filesystem fills the partition: 63 MiB = 64,512 KiB, made in place at its 1 MiB offset.
E2FSPROGS_FAKE_TIME=1732492800 mkfs.ext4 -q -F -L acme-root -U 6f1d2c3b-4a59-4e87-9d6c-5b4a39281706 \
    -E offset=1048576,hash_seed=1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5,lazy_itable_init=1,lazy_journal_init=1 \
    "$raw" 64512k
rm -f "$out"
qemu-img convert -c -f raw -O qcow2 -o cluster_size=4096 "$raw" "$out"
