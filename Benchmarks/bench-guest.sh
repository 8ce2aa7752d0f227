#!/bin/sh
# The guest view's cost: koopack inspect of a compressed 40 GiB qcow2 system disk (GPT, an EFI
# system partition and an ext4 root) with and without the guest view, as a ratio. Called by
# bench.sh with WORK, KOOPACK and QEMU_IMG set.
set -eu
command -v sfdisk >/dev/null && command -v mkfs.ext4 >/dev/null && command -v mkfs.vfat >/dev/null || {
  echo "guest view:             skipped (sfdisk, mkfs.ext4 and mkfs.vfat are needed)"; exit 0; }
raw="$WORK/system.raw"
truncate -s 40G "$raw"
printf 'label: gpt\nstart=2048, size=204800, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System"\nstart=206848, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"\n' | sfdisk -q "$raw"
truncate -s 100M "$WORK/esp.img" && mkfs.vfat -n ESP "$WORK/esp.img" >/dev/null
dd if="$WORK/esp.img" of="$raw" bs=1M seek=1 conv=notrunc,sparse status=none
root_bytes=$(( 40 * 1024 * 1024 * 1024 - 206848 * 512 - 34 * 512 ))
mkfs.ext4 -q -F -E offset=$((206848 * 512)),lazy_itable_init=1,lazy_journal_init=1 -L root "$raw" "$((root_bytes / 1024))k"
rm -f "$WORK/esp.img"
"$QEMU_IMG" convert -c -O qcow2 "$raw" "$WORK/system.qcow2"
rm -f "$raw"
RUNS=100
now() { date +%s%N; }
t0=$(now); for _ in $(seq $RUNS); do "$KOOPACK" inspect --no-guest "$WORK/system.qcow2" >/dev/null; done; t1=$(now)
for _ in $(seq $RUNS); do "$KOOPACK" inspect "$WORK/system.qcow2" >/dev/null; done; t2=$(now)
without=$(( (t1 - t0) / RUNS / 1000 )); with=$(( (t2 - t1) / RUNS / 1000 ))
ratio=$(awk -v a="$with" -v b="$without" 'BEGIN { if (b <= 0) b = 1; printf "%.2f", a / b }')
echo "guest view, 40 GiB compressed qcow2: without ${without} us, with ${with} us per call; with/without = ${ratio}"
