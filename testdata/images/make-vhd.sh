#!/bin/sh
# vpc-dynamic-10m.vhd: an empty dynamic VHD; qemu-img rounds 10 MiB up to its CHS geometry.
# vpc-fixed-64k.vhd: a fixed VHD of exactly 64 KiB (force_size) with a pattern at its start,
#   which qemu-img calls raw (its JSON here is the raw view; FixtureTests excepts those keys).
# No VHDX fixture: the smallest VHDX qemu-img makes is a 4 MiB file, too big to commit;
# the VHDX tests make their images at test time.
set -eu
cd "$(dirname "$0")"
rm -f vpc-dynamic-10m.vhd vpc-fixed-64k.vhd vpc-src.raw
qemu-img create -q -f vpc vpc-dynamic-10m.vhd 10M
printf 'koopack vhd fixture' > vpc-src.raw
truncate -s 64K vpc-src.raw
qemu-img convert -O vpc -o subformat=fixed,force_size=on vpc-src.raw vpc-fixed-64k.vhd
rm -f vpc-src.raw
qemu-img info --output=json vpc-dynamic-10m.vhd > vpc-dynamic-10m.vhd.qemu.json
qemu-img info --output=json vpc-fixed-64k.vhd > vpc-fixed-64k.vhd.qemu.json
