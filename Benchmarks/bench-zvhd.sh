#!/bin/sh
# ZVHD2 and convert: the bench's 40 GiB system disk (GPT, an EFI system partition and an ext4
# root; bench-guest.sh makes it) as its compressed qcow2 and as a ZVHD2 written from the same
# raw disk by testdata/zvhd/zvhd-writer.py.
#  - the bytes `koopack inspect` (header and guest view) reads from each file, counted from the
#    pread/read calls strace sees on it (goal for ZVHD2: at most 2 MiB);
#  - `koopack convert` against `qemu-img convert -O raw` on the qcow2, as a ratio of interleaved
#    medians (goal: koopack at least as fast, ratio >= 1).
# Called by bench.sh with WORK, KOOPACK and QEMU_IMG set.
set -eu
for tool in python3 strace; do
  command -v "$tool" >/dev/null || { echo "zvhd2 guest view, convert: skipped ($tool is needed)"; exit 0; }
done
# The system disk bench-guest.sh made (it runs first, alphabetically), back to raw for the writer.
[ -f "$WORK/system.qcow2" ] || { echo "zvhd2 guest view, convert: skipped (bench-guest.sh made no system disk)"; exit 0; }
root=$(cd "$(dirname "$0")/.." && pwd)
"$QEMU_IMG" convert -O raw "$WORK/system.qcow2" "$WORK/zsystem.raw"
python3 "$root/testdata/zvhd/zvhd-writer.py" write "$WORK/zsystem.raw" "$WORK/system.zvhd2" --format zvhd2
rm -f "$WORK/zsystem.raw"

# bytes_read FILE: what `koopack inspect FILE` reads from FILE (pread64 and read results).
bytes_read() {
  strace -f -y -e trace=pread64,read -o "$WORK/strace.log" "$KOOPACK" inspect "$1" >/dev/null
  awk -v f="<$1>" 'index($0, f) { n = $NF; if (n ~ /^[0-9]+$/) total += n } END { printf "%d", total }' "$WORK/strace.log"
}
z=$(bytes_read "$WORK/system.zvhd2")
q=$(bytes_read "$WORK/system.qcow2")
echo "guest view, 40 GiB system disk: zvhd2 reads $z bytes (goal <= 2097152), compressed qcow2 $q bytes"

# Interleaved medians (Benchmarks/interleave.py), each run writing a new output file (fresh:),
# as a seller converting an export does; the last run's outputs are compared.
CONVERT_RUNS=${CONVERT_RUNS:-20}
python3 "$root/Benchmarks/interleave.py" "$CONVERT_RUNS" 2 \
  "qemu=fresh:$WORK/zqemu.raw $QEMU_IMG convert -O raw $WORK/system.qcow2 $WORK/zqemu.raw" \
  "koopack=fresh:$WORK/zkoopack.raw $KOOPACK convert $WORK/system.qcow2 $WORK/zkoopack.raw" > "$WORK/convert-times"
cmp -s "$WORK/zqemu.raw" "$WORK/zkoopack.raw" && same=identical || same=DIFFERENT
rm -f "$WORK/zqemu.raw" "$WORK/zkoopack.raw"
q_us=$(awk '$2 == "qemu" { print $1 }' "$WORK/convert-times")
k_us=$(awk '$2 == "koopack" { print $1 }' "$WORK/convert-times")
ratio=$(awk -v a="$q_us" -v b="$k_us" 'BEGIN { if (b <= 0) b = 1; printf "%.2f", a / b }')
met=$(awk -v r="$ratio" 'BEGIN { print (r >= 1) ? "met" : "NOT met" }')
echo "convert 40 GiB compressed qcow2 to raw: qemu-img $((q_us / 1000)) ms, koopack $((k_us / 1000)) ms (medians of $CONVERT_RUNS); qemu-img/koopack = ${ratio} (goal >= 1): $met; outputs $same"
now() { date +%s%N; }
t0=$(now); "$KOOPACK" convert "$WORK/system.zvhd2" "$WORK/zkoopack.raw"; t1=$(now)
rm -f "$WORK/zkoopack.raw"
echo "convert 40 GiB zvhd2 to raw: koopack $(( (t1 - t0) / 1000000 )) ms (qemu-img cannot read zvhd2)"
