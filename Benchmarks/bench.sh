#!/bin/bash
# koopack's speed, as ratios against the tools a user would otherwise run, measured in one run.
# Usage: sh Benchmarks/bench.sh  (after `make build`; `make bench` does both)
set -eu
cd "$(dirname "$0")/.."
KOOPACK=${KOOPACK:-.build/release/koopack}
QEMU_IMG=${QEMU_IMG:-qemu-img}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/koopack-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s%N; }
# ratio A B: A / B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 1; printf "%.2f", a / b }'; }

command -v "$QEMU_IMG" >/dev/null || { echo "bench: qemu-img is needed (make deps installs qemu-utils)" >&2; exit 2; }
[ -x "$KOOPACK" ] || { echo "bench: $KOOPACK is not built (run make build)" >&2; exit 2; }

# A few images of different formats; a batch is 1,000 names for them (hard links, so the page
# cache serves both tools alike).
"$QEMU_IMG" create -q -f qcow2 "$WORK/a.qcow2" 64G
"$QEMU_IMG" create -q -f vmdk "$WORK/a.vmdk" 64G
"$QEMU_IMG" create -q -f vpc "$WORK/a.vhd" 64G
"$QEMU_IMG" create -q -f vhdx "$WORK/a.vhdx" 64G
"$QEMU_IMG" create -q -f vdi "$WORK/a.vdi" 64G
mkdir "$WORK/batch"
kinds="qcow2 vmdk vhd vhdx vdi"
i=0
while [ $i -lt 1000 ]; do
  for k in $kinds; do
    [ $i -lt 1000 ] || break
    ln "$WORK/a.$k" "$WORK/batch/img-$i.$k"
    i=$((i + 1))
  done
done

echo "koopack bench ($(nproc) cores)"

# 1. One image, one process each: koopack inspect against qemu-img info.
RUNS=200
t0=$(now); for _ in $(seq $RUNS); do "$QEMU_IMG" info "$WORK/a.qcow2" >/dev/null; done; t1=$(now)
for _ in $(seq $RUNS); do "$KOOPACK" inspect --no-guest "$WORK/a.qcow2" >/dev/null; done; t2=$(now)
q_one=$(( (t1 - t0) / RUNS / 1000 )); k_one=$(( (t2 - t1) / RUNS / 1000 ))
echo "inspect one image:      qemu-img info ${q_one} us, koopack ${k_one} us per call; qemu-img/koopack = $(ratio $q_one $k_one) (goal >= 1)"

# 2. A batch of 1,000 images: 1,000 qemu-img calls against one koopack call, header facts only
#    (what qemu-img info reads), then with koopack's guest view as well.
t0=$(now); for f in "$WORK"/batch/*; do "$QEMU_IMG" info "$f" >/dev/null; done; t1=$(now)
"$KOOPACK" inspect --format json --no-guest "$WORK"/batch/* >/dev/null; t2=$(now)
"$KOOPACK" inspect --format json "$WORK"/batch/* >/dev/null; t3=$(now)
q_batch=$(( (t1 - t0) / 1000 )); k_batch=$(( (t2 - t1) / 1000 )); k_guest=$(( (t3 - t2) / 1000 ))
echo "inspect 1,000 images:   qemu-img info x1000 $((q_batch / 1000)) ms, koopack ${k_batch} us in one call; ratio = $(ratio $q_batch $k_batch) (goal >= 50)"
echo "  with the guest view:  koopack ${k_guest} us in one call; ratio = $(ratio $q_batch $k_guest)"

for extra in Benchmarks/bench-*.sh; do
  [ -f "$extra" ] && WORK="$WORK" KOOPACK="$KOOPACK" QEMU_IMG="$QEMU_IMG" sh "$extra"
done
exit 0
