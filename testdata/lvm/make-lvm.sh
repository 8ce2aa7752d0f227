#!/bin/sh
# Makes lvm-linear.img: a 4 MiB sparse LVM2 physical volume (volume group "koovg", 1 MiB
# extents) with one linear logical volume "koolv" of 2 extents at physical extent 1, holding a
# FAT12 filesystem (label KOOLV) with /HELLO.TXT = "hello from an LVM logical volume".
#
# Needs root (losetup), lvm2, dosfstools and mtools. pvcreate and vgcreate write the label, PV
# header and metadata; the kernel here may lack device-mapper, so the LV is added with
# vgcfgbackup / vgcfgrestore instead of lvcreate (nothing is activated).
set -eu
cd "$(dirname "$0")"
out=lvm-linear.img
work=$(mktemp -d)
conf="$work/lvm"
mkdir -p "$conf"
export LVM_SYSTEM_DIR="$conf"
cfg='devices { use_devicesfile=0 obtain_device_list_from_udev=0 } activation { udev_sync=0 udev_rules=0 } global { use_lvmpolld=0 }'

rm -f "$out"
truncate -s 4M "$out"
loop=$(losetup -f --show "$out")
trap 'vgchange --config "$cfg" -an koovg >/dev/null 2>&1 || true; losetup -d "$loop"; rm -rf "$work"' EXIT

pvcreate --config "$cfg" -u 0123456789abcdef0123456789ABCDEF --norestorefile --metadatasize 512k "$loop" >/dev/null
vgcreate --config "$cfg" -s 1m koovg "$loop" >/dev/null
vgcfgbackup --config "$cfg" -f "$work/vg.txt" koovg >/dev/null

# Insert a linear LV (2 extents from physical extent 1) before the VG section's closing brace.
awk '
  /^}/ && !done {
    print "\tlogical_volumes {"
    print "\t\tkoolv {"
    print "\t\t\tid = \"abcdef-ghij-klmn-opqr-stuv-wxyz-012345\""
    print "\t\t\tstatus = [\"READ\", \"WRITE\", \"VISIBLE\"]"
    print "\t\t\tflags = []"
    print "\t\t\tsegment_count = 1"
    print "\t\t\tsegment1 {"
    print "\t\t\t\tstart_extent = 0"
    print "\t\t\t\textent_count = 2"
    print "\t\t\t\ttype = \"striped\""
    print "\t\t\t\tstripe_count = 1"
    print "\t\t\t\tstripes = ["
    print "\t\t\t\t\t\"pv0\", 1"
    print "\t\t\t\t]"
    print "\t\t\t}"
    print "\t\t}"
    print "\t}"
    done = 1
  }
  { print }
' "$work/vg.txt" > "$work/vg-lv.txt"
vgcfgrestore --config "$cfg" -f "$work/vg-lv.txt" koovg >/dev/null
lvs --config "$cfg" --noheadings -o lv_name,seg_pe_ranges koovg

# The payload: a FAT12 filesystem written at the LV's first byte (pe_start + 1 extent).
pe_start=$(pvs --config "$cfg" --noheadings --units b --nosuffix -o pe_start "$loop" | tr -d ' ')
mkfs.vfat -C -n KOOLV "$work/fat.img" 2048 >/dev/null
printf 'hello from an LVM logical volume\n' > "$work/HELLO.TXT"
MTOOLS_SKIP_CHECK=1 mcopy -i "$work/fat.img" "$work/HELLO.TXT" ::/
dd if="$work/fat.img" of="$out" bs=1M seek=$((pe_start / 1048576 + 1)) conv=notrunc,sparse status=none
echo "pe_start=$pe_start"
