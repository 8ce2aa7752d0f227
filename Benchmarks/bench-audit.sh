#!/bin/sh
# koopack audit over a 10,000-image account in 8 region files (made by testdata/audit's script),
# against reading the same JSON with python3's json module (the least a script that audits by
# hand would do), medians of interleaved runs. Called by bench.sh with WORK and KOOPACK set.
set -eu
command -v python3 >/dev/null || { echo "audit 10,000 images:    skipped (python3 is needed to make the account)"; exit 0; }
python3 testdata/audit/make-account.py --out "$WORK/account" --large 10000 >/dev/null
printf 'import json, sys\nfor name in sys.argv[1:]:\n    with open(name) as f:\n        json.load(f)\n' > "$WORK/jsonload.py"
files=$(echo "$WORK"/account/*.json)
AUDIT_RUNS=${AUDIT_RUNS:-10}
python3 Benchmarks/interleave.py "$AUDIT_RUNS" 1 "audit=$KOOPACK audit --format json $files" \
  "python=python3 $WORK/jsonload.py $files" > "$WORK/audit-times"
audit_us=$(awk '$2 == "audit" { print $1 }' "$WORK/audit-times")
parse_us=$(awk '$2 == "python" { print $1 }' "$WORK/audit-times")
count=$(ls "$WORK"/account/*.json | wc -l)
ratio=$(awk -v a="$parse_us" -v b="$audit_us" 'BEGIN { if (b <= 0) b = 1; printf "%.2f", a / b }')
met=$(awk -v r="$ratio" 'BEGIN { print (r >= 1) ? "met" : "NOT met" }')
echo "audit 10,000 images in $count files: koopack $((audit_us / 1000)) ms; python3 json.load alone $((parse_us / 1000)) ms; json.load/koopack = $ratio (goal >= 1): $met"
