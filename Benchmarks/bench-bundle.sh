#!/bin/sh
# Bundling and verifying at the speed of the disk: `koopack bundle` (copy, SHA-256 while copying,
# every check, the plan and the ledger) against a plain `cp` of the same files, and
# `koopack verify` against `sha256sum` of the bundle. 2 GiB of random data in four files; every
# tool runs once, after a warm-up read, so all read from the page cache alike (caches cannot be
# dropped here). Called by bench.sh with WORK, KOOPACK and QEMU_IMG set.
set -eu
rel="$WORK/bundle-release"
mkdir -p "$rel"
cp -r testdata/releases/example/. "$rel/"

# The image: a 64 MiB system disk (an MBR with one bootable Linux partition from sector 2048).
raw="$WORK/bundle-system.raw"
truncate -s 64M "$raw"
printf '\200\376\377\377\203\376\377\377\000\010\000\000\000\370\001\000' | dd of="$raw" bs=1 seek=446 conv=notrunc status=none
printf '\125\252' | dd of="$raw" bs=1 seek=510 conv=notrunc status=none
"$QEMU_IMG" convert -f raw -O qcow2 "$raw" "$rel/images/web.qcow2"
rm -f "$raw"

# 2 GiB of software: four files of 512 MiB of random data, listed in release.yaml.
for i in 1 2 3 4; do
  head -c 536870912 /dev/urandom > "$rel/software/data-$i.bin"
  printf '  - software/data-%s.bin\n' "$i" >> "$rel/release.yaml"
done
files="$rel/software/data-1.bin $rel/software/data-2.bin $rel/software/data-3.bin $rel/software/data-4.bin $rel/images/web.qcow2"
cat $files > /dev/null

now() { date +%s%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 1; printf "%.2f", a / b }'; }

mkdir "$WORK/cp-out"
t0=$(now); cp $files "$WORK/cp-out/"; sync; t1=$(now)
"$KOOPACK" bundle "$rel/release.yaml" --out "$WORK/bundle-out" --ledger "$WORK/bundle-ledger.sqlite" >/dev/null; sync; t2=$(now)
cp_ms=$(( (t1 - t0) / 1000000 )); bundle_ms=$(( (t2 - t1) / 1000000 ))
echo "bundle 2 GiB:           cp ${cp_ms} ms, koopack bundle ${bundle_ms} ms (copy + SHA-256 + checks); cp/koopack = $(ratio $cp_ms $bundle_ms) (goal >= 0.8)"

sums=$(find "$WORK/bundle-out" -type f -name '*.bin' -o -type f -name '*.qcow2' | sort)
cat $sums > /dev/null
t0=$(now); sha256sum $sums > /dev/null; t1=$(now)
"$KOOPACK" verify "$WORK/bundle-out" >/dev/null; t2=$(now)
sha_ms=$(( (t1 - t0) / 1000000 )); verify_ms=$(( (t2 - t1) / 1000000 ))
echo "verify 2 GiB:           sha256sum ${sha_ms} ms, koopack verify ${verify_ms} ms; sha256sum/koopack = $(ratio $sha_ms $verify_ms) (goal >= 2)"

t0=$(now)
"$KOOPACK" bundle "$rel/release.yaml" --link --out "$WORK/bundle-linked" --ledger "$WORK/bundle-ledger-2.sqlite" >/dev/null; t1=$(now)
link_ms=$(( (t1 - t0) / 1000000 ))
echo "bundle 2 GiB --link:    koopack ${link_ms} ms (hard links, still hashed); sha256sum/koopack = $(ratio $sha_ms $link_ms)"
rm -rf "$rel" "$WORK/cp-out" "$WORK/bundle-out" "$WORK/bundle-linked"
