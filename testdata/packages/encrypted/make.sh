#!/bin/sh
# A LUKS-encrypted 40 GiB qcow2 (qemu-img create with encrypt.format=luks). The short iter-time keeps it fast; qemu's PBKDF benchmark can fail on a busy machine, so it is retried.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
for attempt in 1 2 3; do
    if qemu-img create -q -f qcow2 --object secret,id=s,data=x \
        -o encrypt.format=luks,encrypt.key-secret=s,encrypt.iter-time=100 \
        "$out/secure-db.qcow2" 40G 2>/dev/null; then
        exit 0
    fi
    rm -f "$out/secure-db.qcow2"
done
echo "qemu-img could not make the LUKS qcow2" >&2
exit 1
