#!/bin/sh
# Makes the seed corpora under Fuzz/corpus/<target>/ from koopack's fixtures and from small
# images made here with qemu-img, mkfs, sfdisk, xorriso and cryptsetup. Each seed is cut to at
# most 64 KiB (an image's first KiBs hold its header and first tables), so the whole corpus
# stays small enough to commit. Run from anywhere: sh Fuzz/make-seeds.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/Fuzz/corpus"
images="$root/testdata/images"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$corpus"
for t in probe-inspect qcow2 qcow qed vmdk-sparse vmdk-descriptor vhd vhdx vdi luks parallels iso \
         guest-reader guest-view ims-metadata json release-yaml pdf-text docx-xml archive-list \
         ext4 xfs vfat lvm2 audit-account policy-yaml; do
    mkdir -p "$corpus/$t"
done

# seed TARGET NAME FILE [BYTES]: the first BYTES (default 65536) of FILE as corpus/TARGET/NAME.
seed() { head -c "${4:-65536}" "$3" > "$corpus/$1/$2"; }
# tail_seed TARGET NAME FILE BYTES: the last BYTES of FILE.
tail_seed() { tail -c "$4" "$3" > "$corpus/$1/$2"; }

# A raw disk with recognisable data at the start, in the middle and at the end, and holes.
raw="$work/pattern.raw"
qemu-img create -q -f raw "$raw" 1M
printf 'koopack fuzz seed: start\n' | dd of="$raw" conv=notrunc status=none
printf 'middle of the disk\n' | dd of="$raw" bs=1 seek=300000 conv=notrunc status=none
printf 'end of the disk\n' | dd of="$raw" bs=1 seek=1048000 conv=notrunc status=none

# --- header formats: the committed fixtures, plus option variants made here ---------------
# (64 KiB clusters put the tables past the first 64 KiB: only the header cluster is worth keeping)
for f in "$images"/*.qcow2; do seed qcow2 "$(basename "$f")" "$f" 16384; done
for opts in compat=0.10 "compat=1.1,lazy_refcounts=on" "cluster_size=512,refcount_bits=1" \
            "cluster_size=16384,extended_l2=on" "compression_type=zstd"; do
    name=$(printf '%s' "$opts" | tr ',=' '__')
    qemu-img convert -q -c -O qcow2 -o "$opts" "$raw" "$work/$name.qcow2" 2>/dev/null \
        || qemu-img convert -q -O qcow2 -o "$opts" "$raw" "$work/$name.qcow2"
    n=16384; case $opts in cluster_size=512*) n=65536;; esac
    seed qcow2 "$name.qcow2" "$work/$name.qcow2" $n
done
qemu-img create -q -u -f qcow2 -b base.raw -F raw "$work/backed.qcow2" 1M
seed qcow2 backed.qcow2 "$work/backed.qcow2" 16384
# (qemu's PBKDF benchmark fails now and then on a busy machine: those seeds are optional)
if qemu-img create -q -f qcow2 --object secret,id=s0,data=seed -o encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=50 \
    "$work/luks.qcow2" 1M 2>/dev/null; then seed qcow2 luks-encrypted.qcow2 "$work/luks.qcow2" 16384; fi
for f in "$images"/*.qcow; do seed qcow "$(basename "$f")" "$f"; done
for f in "$images"/*.qed; do seed qed "$(basename "$f")" "$f"; done
for f in sparse.vmdk stream.vmdk split-s001.vmdk; do seed vmdk-sparse "$f" "$images/$f"; done
qemu-img convert -q -O vmdk -o subformat=streamOptimized "$raw" "$work/stream.vmdk"
tail_seed vmdk-sparse stream-footer.vmdk "$work/stream.vmdk" 1536
seed vmdk-descriptor split.vmdk "$images/split.vmdk"
for sub in monolithicFlat twoGbMaxExtentFlat twoGbMaxExtentSparse; do
    (cd "$work" && qemu-img create -q -f vmdk -o subformat=$sub "d-$sub.vmdk" 1M)
    seed vmdk-descriptor "$sub.vmdk" "$work/d-$sub.vmdk" 4096
done
for f in "$images"/*.vhd; do seed vhd "$(basename "$f")" "$f"; done
tail_seed vhd fixed-footer.vhd "$images/vpc-fixed-64k.vhd" 512
# VHDX keeps its two headers at 64 and 128 KiB and its region tables at 192 and 256 KiB: the
# seed is the first 320 KiB (the metadata region, at 1 MiB or later, is left to the fuzzer).
qemu-img convert -q -O vhdx -o subformat=dynamic,block_size=1048576 "$raw" "$work/d.vhdx"
seed vhdx dynamic.vhdx "$work/d.vhdx" 327680
for f in "$images"/*.vdi; do seed vdi "$(basename "$f")" "$f"; done
qemu-img convert -q -O vdi -o static=on "$raw" "$work/static.vdi"
seed vdi static.vdi "$work/static.vdi"
if qemu-img create -q -f luks --object secret,id=s0,data=seed -o key-secret=s0,iter-time=50 "$work/luks1.luks" 1M 2>/dev/null ||
   { truncate -s 4M "$work/luks1.luks" && printf 'seed' | cryptsetup luksFormat --batch-mode --type luks1 --pbkdf-force-iterations 1000 \
       --key-file - "$work/luks1.luks" >/dev/null 2>&1; }; then seed luks luks1.luks "$work/luks1.luks"; fi
if truncate -s 16M "$work/luks2.img" && \
   printf 'seed' | cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
       --key-file - "$work/luks2.img" >/dev/null 2>&1; then
    seed luks luks2.luks "$work/luks2.img"
fi
for f in "$images"/*.hdd; do seed parallels "$(basename "$f")" "$f"; done
qemu-img convert -q -O parallels "$raw" "$work/p.hdd"
seed parallels converted.hdd "$work/p.hdd"
mkdir -p "$work/isotree/boot" && printf 'hello\n' > "$work/isotree/boot/readme.txt"
xorriso -as mkisofs -quiet -V KOOPACK_SEED -o "$work/seed.iso" "$work/isotree" 2>/dev/null
seed iso seed.iso "$work/seed.iso" 40960

# probe-inspect sees every format.
for t in qcow2 qcow qed vmdk-sparse vmdk-descriptor vhd vhdx vdi luks parallels iso; do
    n=16384; [ $t = iso ] && n=40960
    for f in "$corpus/$t"/*; do seed probe-inspect "$t-$(basename "$f")" "$f" $n; done
done
seed probe-inspect raw-64k.img "$images/raw-64k.img"

# --- guest disks: whole small images whose data the guest reader reaches ------------------
small="$work/small.raw"
qemu-img create -q -f raw "$small" 64K
printf 'first sector\n' | dd of="$small" conv=notrunc status=none
printf 'last sector\n' | dd of="$small" bs=1 seek=65000 conv=notrunc status=none
for fmt in qcow2:cluster_size=512 qcow: qed:cluster_size=4096 vmdk: vmdk:subformat=streamOptimized \
           vpc: vhdx:block_size=1048576 vdi: parallels:cluster_size=4096; do
    f=${fmt%%:*}; o=${fmt#*:}
    name=$(printf '%s-%s' "$f" "$o" | tr ',=' '__')
    if [ -n "$o" ]; then qemu-img convert -q -O "$f" -o "$o" "$small" "$work/g-$name"
    else qemu-img convert -q -O "$f" "$small" "$work/g-$name"; fi
    seed guest-reader "$name" "$work/g-$name"
done
seed guest-reader raw.img "$small"

# Partitioned disks: MBR and GPT, the partitions' first sectors holding filesystem headers.
part="$work/fat.img"
mkfs.vfat -C "$part" 128 >/dev/null
printf 'label: dos\nstart=8, size=56, type=c, bootable\nstart=64, size=56, type=83\n' > "$work/mbr.txt"
truncate -s 64K "$work/mbr.img"
sfdisk -q "$work/mbr.img" < "$work/mbr.txt"
dd if="$part" of="$work/mbr.img" bs=512 seek=8 count=8 conv=notrunc status=none
seed guest-view mbr-vfat.img "$work/mbr.img"
truncate -s 64K "$work/gpt.img"
printf 'label: gpt\nfirst-lba: 34\nstart=40, size=20, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nstart=60, size=30, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' \
    | sfdisk -q "$work/gpt.img"
dd if="$part" of="$work/gpt.img" bs=512 seek=40 count=8 conv=notrunc status=none
seed guest-view gpt-esp.img "$work/gpt.img"

# --- guest filesystems, populated with the files the guest scan reads ----------------------
tree="$work/tree"
mkdir -p "$tree/etc/ssh" "$tree/root/.ssh" "$tree/home/user"
printf 'NAME="Seed Linux"\nID=seed\nVERSION_ID="1.0"\n' > "$tree/etc/os-release"
printf 'root:$6$salt$hash:19000:0:99999:7:::\nuser:!:19000::::::\n' > "$tree/etc/shadow"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$tree/etc/passwd"
printf 'ssh-ed25519 AAAAC3Nza seed@example\n' > "$tree/root/.ssh/authorized_keys"
printf 'ls\n' > "$tree/root/.bash_history"
ln -s ../etc/os-release "$tree/home/user/link"
i=0; while [ $i -lt 40 ]; do : > "$tree/home/user/file-with-a-long-name-$i"; i=$((i + 1)); done
for opts in "-t ext4 -b 1024 -N 64 -O ^has_journal" "-t ext2 -b 1024 -N 64" "-t ext4 -b 1024 -N 64 -O ^extent,^64bit,^has_journal" \
            "-t ext4 -b 1024 -N 64 -O inline_data,^has_journal" "-t ext3 -b 1024 -N 64"; do
    name=$(printf '%s' "$opts" | sed 's/-t //; s/ -b 1024 -N 64//; s/ -O /-/; s/\^/no-/g; s/,/-/g')
    rm -f "$work/e.img"; truncate -s 2M "$work/e.img"
    if mkfs.ext4 -q $opts -d "$tree" "$work/e.img" >/dev/null 2>&1; then seed ext4 "$name.img" "$work/e.img"; fi
done
rm -f "$work/x.img"; truncate -s 300M "$work/x.img"
if mkfs.xfs -q -b size=1024 -i maxpct=1 "$work/x.img" >/dev/null 2>&1; then
    seed xfs xfs-1k.img "$work/x.img"
fi
rm -f "$work/x.img"; truncate -s 300M "$work/x.img"
if mkfs.xfs -q -m crc=0 -b size=1024 -n size=4096 "$work/x.img" >/dev/null 2>&1; then
    seed xfs xfs-v4-1k.img "$work/x.img"
fi
for bits in 12 16 32; do
    rm -f "$work/v.img"
    size=256; [ $bits = 32 ] && size=34000
    mkfs.vfat -F $bits -s 1 -S 512 -C "$work/v.img" $size >/dev/null 2>&1 || continue
    MTOOLS_SKIP_CHECK=1 mcopy -s -i "$work/v.img" "$tree/etc" "$tree/home" ::/ 2>/dev/null || true
    seed vfat "fat$bits.img" "$work/v.img"
done
seed lvm2 lvm-linear.img "$root/testdata/lvm/lvm-linear.img"

# --- documents and metadata ----------------------------------------------------------------
for f in "$root"/testdata/audit/images-*.json; do seed audit-account "$(basename "$f")" "$f"; done
cp "$root/testdata/releases/example/images/web.qcow2.json" "$corpus/ims-metadata/web.qcow2.json"
cp "$corpus/audit-account"/* "$corpus/ims-metadata/"
cp "$corpus/ims-metadata"/* "$corpus/json/"
printf '{"a":[1,-2.5e10,true,false,null,"\\u00e9\\ud83d\\ude00"],"b":{"c":""}}' > "$corpus/json/mixed.json"
cp "$root/testdata/releases/example/release.yaml" "$corpus/release-yaml/release.yaml"
printf 'max-package-bytes: 128000000000\nnear-limit-bytes: 100_000_000_000\nallowed-regions:\n  - AP-Singapore\n  - cn-north-4\n' \
    > "$corpus/policy-yaml/profile.yaml"
printf 'allowed-regions: [af-south-1]\nmax-package-bytes: 1000\nnear-limit-bytes: 900\naccepted-formats: [QCOW2, raw]\nmin-system-disk-gb: 20\nmax-system-disk-gb: 2048\n' \
    > "$corpus/policy-yaml/every-key.yaml"
for f in "$root"/testdata/releases/example/documents/*.pdf; do cp "$f" "$corpus/pdf-text/"; done
(cd "$work" && mkdir -p docx && cd docx && unzip -q -o "$root/testdata/releases/example/documents/eula.docx")
cp "$work/docx/word/document.xml" "$corpus/docx-xml/document.xml"

# Archives of a small image and its metadata, in every container and compression koopack reads.
mkdir -p "$work/pkg"
cp "$small" "$work/pkg/disk.img"
cp "$root/testdata/releases/example/images/web.qcow2.json" "$work/pkg/disk.img.json"
(cd "$work/pkg" && tar -cf ../a.tar disk.img disk.img.json && zip -q ../a.zip disk.img disk.img.json)
gzip -c "$work/a.tar" > "$work/a.tar.gz"; xz -c "$work/a.tar" > "$work/a.tar.xz"; zstd -q -c "$work/a.tar" > "$work/a.tar.zst"
for f in a.tar a.zip a.tar.gz a.tar.xz a.tar.zst; do seed archive-list "$f" "$work/$f"; done
cp "$root/testdata/releases/example/documents/eula.docx" "$corpus/archive-list/eula.docx"

# --- ZVHD and ZVHD2: driver-written images from testdata/zvhd and small ones from its writer ---
zvhd="$root/testdata/zvhd"
writer="python3 $zvhd/zvhd-writer.py"
mkdir -p "$corpus/zvhd" "$corpus/zvhd2" "$corpus/zvhd-footer" "$corpus/zvhd2-bitmap" "$corpus/zvhd2-index"
cp "$zvhd/zvhd-zero-1G.zvhd" "$zvhd/zvhd-mbr-ext4.zvhd" "$corpus/zvhd/"
cp "$zvhd/zvhd2-zstd-zero-1G.zvhd2" "$corpus/zvhd2/"
small="$work/small.raw"
qemu-img create -q -f raw "$small" 5M
printf 'koopack fuzz seed: block 0\n' | dd of="$small" conv=notrunc status=none
printf 'block 2\n' | dd of="$small" bs=1 seek=4194400 conv=notrunc status=none
$writer write "$small" "$corpus/zvhd/small.zvhd" --format zvhd --timestamp 0 --uuid 0d5ad1ce000040008000000000000001
$writer write "$small" "$corpus/zvhd2/small-zstd.zvhd2" --format zvhd2 --timestamp 0 --uuid 0d5ad1ce000040008000000000000002
$writer write "$small" "$corpus/zvhd2/small-zlib.zvhd2" --format zvhd2 --compression zlib --timestamp 0 --uuid 0d5ad1ce000040008000000000000003
$writer write "$small" "$corpus/zvhd2/small-zero-blk.zvhd2" --format zvhd2 --index-zero-blk --timestamp 0 --uuid 0d5ad1ce000040008000000000000004
for f in "$zvhd"/*.zvhd "$zvhd"/*.zvhd2; do seed zvhd-footer "head-$(basename "$f")" "$f" 512; done
for f in "$zvhd"/zvhd2-*.zvhd2; do tail_seed zvhd-footer "final-$(basename "$f")" "$f" 4096; done
gpt="$zvhd/zvhd2-zstd-gpt-efi-ext4.zvhd2"   # bitmap at 774144, index at 249856 (its expected.json)
dd if="$gpt" of="$corpus/zvhd2-bitmap/gpt-efi-ext4" bs=4096 skip=189 count=1 status=none
{ printf '\000\000\020'; dd if="$gpt" bs=4096 skip=189 count=1 status=none; dd if="$gpt" bs=4096 skip=61 count=1 status=none; } \
    > "$corpus/zvhd2-index/gpt-efi-ext4"

# The guest scan's targets have their own script.
sh "$root/Fuzz/make-scan-seeds.sh" >/dev/null

du -sh "$corpus"
