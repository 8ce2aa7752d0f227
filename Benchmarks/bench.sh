#!/bin/bash
# koopack's speed, as ratios against the tools a user would otherwise run, measured in one run.
# Usage: sh Benchmarks/bench.sh  (after `make build`; `make bench` does both)
set -eu
cd "$(dirname "$0")/.."
KOOPACK=${KOOPACK:-.build/release/koopack}
QEMU_IMG=${QEMU_IMG:-qemu-img}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/koopack-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

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
command -v python3 >/dev/null || { echo "bench: python3 is needed (Benchmarks/interleave.py times the runs)" >&2; exit 2; }
# met A OP B: "met" or "NOT met" for the goal A OP B (OP is <= or >=).
met() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? (a <= b) : (a >= b); print ok ? "met" : "NOT met" }'; }
# median NAME: the median in us that interleave.py printed for NAME.
median() { awk -v n="$1" '$2 == n { print $1 }' "$WORK/times"; }

# 1. One process each, interleaved (Benchmarks/interleave.py: spawned without a shell, round
#    after round, medians of RUNS): a static Swift hello built here (what any Swift program
#    costs to start), koopack --version, koopack inspect --no-guest and qemu-img info of one qcow2.
SWIFTC=${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}
printf 'print("hello")\n' > "$WORK/hello.swift"
"$SWIFTC" -O -static-stdlib "$WORK/hello.swift" -o "$WORK/hello" 2>/dev/null || {
  echo "bench: $SWIFTC could not build the hello program" >&2; exit 2; }
RUNS=${RUNS:-200}
python3 Benchmarks/interleave.py "$RUNS" 10 "hello=$WORK/hello" "version=$KOOPACK --version" \
  "inspect=$KOOPACK inspect --no-guest $WORK/a.qcow2" "qemu=$QEMU_IMG info $WORK/a.qcow2" > "$WORK/times"
hello=$(median hello); version=$(median version); k_one=$(median inspect); q_one=$(median qemu)
echo "start-up:               static Swift hello ${hello} us, koopack --version ${version} us (medians of $RUNS); difference = $((version - hello)) us (goal <= 400 us): $(met $((version - hello)) '<=' 400)"
echo "inspect one image:      qemu-img info ${q_one} us, koopack inspect --no-guest ${k_one} us; koopack/qemu-img = $(ratio $k_one $q_one) (goal <= 0.55): $(met "$(ratio $k_one $q_one)" '<=' 0.55)"

# 2. A batch of 1,000 images of five formats: 1,000 qemu-img calls (one per file, each timed
#    as above) against one koopack call (median of BATCH_RUNS), header facts only (what
#    qemu-img info reads), then with koopack's guest view as well.
i=0; set --
for f in "$WORK"/batch/*; do set -- "$@" "q$i=$QEMU_IMG info $f"; i=$((i + 1)); done
python3 Benchmarks/interleave.py 1 0 "$@" > "$WORK/qemu-times"
q_batch=$(awk '{ sum += $1 } END { printf "%d", sum }' "$WORK/qemu-times")
BATCH_RUNS=${BATCH_RUNS:-20}
python3 Benchmarks/interleave.py "$BATCH_RUNS" 2 "headers=$KOOPACK inspect --format json --no-guest $(echo "$WORK"/batch/*)" \
  "guest=$KOOPACK inspect --format json $(echo "$WORK"/batch/*)" > "$WORK/times"
k_batch=$(median headers); k_guest=$(median guest)
echo "inspect 1,000 images:   qemu-img info x1000 $((q_batch / 1000)) ms, koopack ${k_batch} us in one call; ratio = $(ratio $q_batch $k_batch) (goal >= 200): $(met "$(ratio $q_batch $k_batch)" '>=' 200)"
echo "  with the guest view:  koopack ${k_guest} us in one call; ratio = $(ratio $q_batch $k_guest) (goal >= 100): $(met "$(ratio $q_batch $k_guest)" '>=' 100)"

for extra in Benchmarks/bench-*.sh; do
  [ -f "$extra" ] && WORK="$WORK" KOOPACK="$KOOPACK" QEMU_IMG="$QEMU_IMG" sh "$extra"
done
exit 0
