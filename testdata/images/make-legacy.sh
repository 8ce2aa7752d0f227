#!/bin/sh
# The older QEMU-era formats, each tiny:
#   qcow-1m.qcow      qcow (v1), 1 MiB, empty
#   qcow-backed.qcow  qcow (v1) whose backing file is qcow-1m.qcow, with 4 KiB written
#   qed-4k.qed        QED, 5 MiB, 4 KiB clusters, empty
#   qed-raw-backed.qed QED over a raw backing file (records the raw, do-not-probe flag)
#   parallels-4k.hdd  Parallels, 4 MiB, 4 KiB clusters, empty
#   vdi-dynamic.vdi   VDI, 2 MiB, dynamic
set -eu
cd "$(dirname "$0")"
rm -f qcow-1m.qcow qcow-backed.qcow qed-4k.qed qed-raw-backed.qed legacy-base.raw parallels-4k.hdd \
  vdi-dynamic.vdi
qemu-img create -q -f qcow qcow-1m.qcow 1M
qemu-img create -q -f qcow -b qcow-1m.qcow -F qcow qcow-backed.qcow
qemu-io -f qcow -c 'write -P 0x6b 4096 4096' qcow-backed.qcow >/dev/null
qemu-img create -q -f qed -o cluster_size=4096 qed-4k.qed 5M
qemu-img create -q -f raw legacy-base.raw 64K
qemu-img create -q -f qed -o cluster_size=4096 -b legacy-base.raw -F raw qed-raw-backed.qed
qemu-img create -q -f parallels -o cluster_size=4096 parallels-4k.hdd 4M
qemu-img create -q -f vdi -o static=off vdi-dynamic.vdi 2M
for image in qcow-1m.qcow qcow-backed.qcow qed-4k.qed qed-raw-backed.qed legacy-base.raw parallels-4k.hdd \
    vdi-dynamic.vdi; do
  qemu-img info --output=json "$image" > "$image.qemu.json"
done
