#!/bin/sh
# What `make demo` shows: koopack on the fixtures in testdata, as a seller would run it.
# Usage: sh testdata/demo.sh [KOOPACK]   (default .build/release/koopack)
set -u
cd "$(dirname "$0")/.."
KOOPACK=${1:-.build/release/koopack}
work=$(mktemp -d "${TMPDIR:-/tmp}/koopack-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

show() { printf '\n\033[1m$ koopack %s\033[0m\n' "$*"; "$KOOPACK" "$@"; echo "(exit $?)"; }

sh testdata/images/make-fixtures.sh --if-missing
images=$(ls testdata/images/* | grep -v -e '\.json$' -e '\.sh$' -e 'README' -e '-s001\.vmdk$' -e 'legacy-base')
show inspect $images

# Release candidates: two 40 GiB system disks (GPT, EFI system partition, ext4 root holding a
# real Ubuntu 24.04 guest tree), one left clean and one with a root password and an authorized
# key preset; and an image KooGallery would refuse because it was made from a market image.
mkdir -p "$work/candidates" "$work/market-derived"
sh testdata/demo/make-guests.sh "$work/candidates"
sh testdata/packages/market-derived/make.sh "$work/market-derived" && cp testdata/packages/market-derived/*.json "$work/market-derived/"
rm -f "$work"/*/expected.json
show inspect "$work/candidates/web-server.qcow2"
show check --owner 0a8f3c1d6e2b4f7a9c5d8e1b3a6f4c2d "$work/candidates" "$work/market-derived"
show scan "$work/candidates/web-server.qcow2" "$work/candidates/web-preset.qcow2"

# The example release as committed: judged, bundled onto upload days, reserved, verified.
show bundle testdata/releases/example/release.yaml --out "$work/bundle" --ledger "$work/ledger.sqlite"
show verify "$work/bundle"
show audit --owner 8f790c8847e959d2a0da3e58296100c9 --released-list testdata/audit/released-list.txt \
    --state locked,market,market-derived testdata/audit/images-*.json
exit 0
