#!/bin/sh
# The sub-types the other scripts do not cover, each tiny (zeros compress to almost nothing in git):
#   vhdx-dynamic.vhdx      an empty dynamic VHDX (qemu-img's smallest is a 4 MiB file)
#   vdi-static.vdi         a static (preallocated) 1 MiB VDI
#   qcow2-overlay.qcow2    a qcow2 whose backing file is qcow2-v2-compressed.qcow2
#   vmdk-flat.vmdk         a monolithicFlat descriptor (+ vmdk-flat-flat.vmdk, 1 MiB)
#   vmdk-2gbflat.vmdk      a twoGbMaxExtentFlat descriptor (+ vmdk-2gbflat-f001.vmdk)
#   luks1.luks             a LUKS1 container made by qemu-img (passphrase "koopack")
#   boot.iso               an ISO 9660 volume "KOOPACK" with an El Torito BIOS boot image (xorriso)
#   disk.zvhd              a file named .zvhd: Huawei's format has no public spec, so koopack only
#                          recognises the name (qemu-img says raw: FixtureTests excepts those keys)
set -eu
cd "$(dirname "$0")"
rm -f vhdx-dynamic.vhdx vdi-static.vdi qcow2-overlay.qcow2 vmdk-flat*.vmdk vmdk-2gbflat*.vmdk luks1.luks boot.iso disk.zvhd
qemu-img create -q -f vhdx vhdx-dynamic.vhdx 1M
qemu-img create -q -f vdi -o static=on vdi-static.vdi 1M
qemu-img create -q -f qcow2 -b qcow2-v2-compressed.qcow2 -F qcow2 qcow2-overlay.qcow2
qemu-img create -q -f vmdk -o subformat=monolithicFlat vmdk-flat.vmdk 1M
qemu-img create -q -f vmdk -o subformat=twoGbMaxExtentFlat vmdk-2gbflat.vmdk 1M
# qemu-img times its key derivation and gives up on a busy machine ("Unable to get accurate CPU
# usage"): try a few times.
for attempt in 1 2 3 4 5 6; do
  qemu-img create -q -f luks --object secret,id=sec0,data=koopack -o key-secret=sec0,iter-time=10 luks1.luks 1M && break
  sleep 1
done
work=$(mktemp -d)
printf 'koopack iso fixture\n' > "$work/README.TXT"
head -c 2048 /dev/zero > "$work/boot.img"
xorriso -as mkisofs -quiet -V KOOPACK -b boot.img -no-emul-boot -boot-load-size 4 -o boot.iso "$work" 2>/dev/null
rm -rf "$work"
printf 'zvhd fixture: not a header anyone has specified\n' > disk.zvhd
truncate -s 4096 disk.zvhd
for f in vhdx-dynamic.vhdx vdi-static.vdi qcow2-overlay.qcow2 vmdk-flat.vmdk vmdk-2gbflat.vmdk boot.iso disk.zvhd; do
  qemu-img info --output=json "$f" > "$f.qemu.json"
done
qemu-img info --output=json --object secret,id=sec0,data=koopack \
  --image-opts driver=luks,key-secret=sec0,file.filename=luks1.luks > luks1.luks.qemu.json
