#!/bin/sh
# A LUKS-encrypted 40 GiB qcow2 (qemu-img create with encrypt.format=luks). The short iter-time keeps it fast; qemu's PBKDF benchmark can fail on a busy machine, so it is retried.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
# Up to 20 tries a moment apart, as the Swift tests retry qemu-img (Tests/DiskImageTests/Support/QemuImg.swift).
for attempt in $(seq 20); do
    if qemu-img create -q -f qcow2 --object secret,id=s,data=x \
        -o encrypt.format=luks,encrypt.key-secret=s,encrypt.iter-time=100 \
        "$out/secure-db.qcow2" 40G 2>/dev/null; then
        exit 0
    fi
    rm -f "$out/secure-db.qcow2"
    sleep 0.2
done
echo "qemu-img could not make the LUKS qcow2" >&2
exit 1
