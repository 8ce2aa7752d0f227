#!/bin/sh
# raw-64k.img: 64 KiB, a byte pattern at the start and the end, zeros between.
set -eu
cd "$(dirname "$0")"
rm -f raw-64k.img
printf 'koopack raw fixture' > raw-64k.img
truncate -s 65536 raw-64k.img
printf 'end' | dd of=raw-64k.img bs=1 seek=65533 conv=notrunc status=none
qemu-img info --output=json raw-64k.img > raw-64k.img.qemu.json
