#!/bin/sh
# Builds every fuzz target with libFuzzer and AddressSanitizer. -sanitize=fuzzer,address goes to
# every Swift module (koopack's libraries too, so coverage guides into the parsers), and the link
# uses lld from the Swift toolchain: ld.gold fails on these objects ("internal error in
# format_file_lineno"). The binaries land in Fuzz/.build-fuzz/release/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
swift=${SWIFT:-swift}
bindir=$(dirname "$(command -v "$swift")")
lld="$bindir/ld.lld"
[ -x "$lld" ] || lld=$(command -v ld.lld || true)
[ -n "$lld" ] || { echo "Fuzz/build.sh: ld.lld not found next to $swift or on PATH" >&2; exit 2; }
mkdir -p "$here/.build-fuzz"
printf '{ "schemaVersion": "1.0", "linker": { "path": "%s" } }\n' "$lld" > "$here/.build-fuzz/toolset.json"
# (the linker's "Cannot export local symbol" warnings are harmless and hidden; the build's own
# exit status is the script's)
status_file="$here/.build-fuzz/build-status"
{ "$swift" build -c release --package-path "$here" --scratch-path "$here/.build-fuzz" \
      --toolset "$here/.build-fuzz/toolset.json" -Xswiftc -sanitize=fuzzer,address "$@" 2>&1
  echo $? > "$status_file"; } | grep -v "Cannot export local symbol"
exit "$(cat "$status_file")"
