#!/bin/sh
# koopack audit over a 10,000-image account in 8 region files (made by testdata/audit's script),
# against the goal of one second, and against reading the same JSON with python3's json module
# (the least a script that audits by hand would do). Called by bench.sh with WORK and KOOPACK set.
set -eu
command -v python3 >/dev/null || { echo "audit 10,000 images:    skipped (python3 is needed to make the account)"; exit 0; }
python3 testdata/audit/make-account.py --out "$WORK/account" --large 10000 >/dev/null
now() { date +%s%N; }
t0=$(now); "$KOOPACK" audit --format json "$WORK"/account/*.json >/dev/null 2>&1 || true; t1=$(now)
python3 -c 'import json,sys; [json.load(open(f)) for f in sys.argv[1:]]' "$WORK"/account/*.json; t2=$(now)
audit_ms=$(( (t1 - t0) / 1000000 )); parse_ms=$(( (t2 - t1) / 1000000 ))
files=$(ls "$WORK"/account/*.json | wc -l)
echo "audit 10,000 images in $files files: koopack ${audit_ms} ms (goal < 1000 ms); python3 json.load alone ${parse_ms} ms; ratio = $(awk -v a="$parse_ms" -v b="$audit_ms" 'BEGIN { if (b <= 0) b = 1; printf "%.2f", a / b }')"
