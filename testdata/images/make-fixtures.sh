#!/bin/sh
# Makes every committed fixture in this folder by running each make-*.sh beside this script.
# Each script writes its images and, for each, NAME.qemu.json: what `qemu-img info --output=json`
# says of it (run in this folder, so file names are relative). The JSON is the truth koopack's
# FixtureTests hold it to.
#   sh make-fixtures.sh              remake everything
#   sh make-fixtures.sh --if-missing only when no fixture is here yet (make demo)
set -eu
cd "$(dirname "$0")"
if [ "${1:-}" = "--if-missing" ] && ls ./*.qemu.json >/dev/null 2>&1; then exit 0; fi
for script in make-*.sh; do
  [ "$script" = make-fixtures.sh ] && continue
  sh "$script"
done
