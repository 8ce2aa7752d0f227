#!/bin/sh
# The demo's two release candidates, each a 40 GiB system disk as IMS exports it from an ECS
# (GPT: a 100 MiB EFI system partition and an ext4 root filling the rest) converted to a
# compressed qcow2, beside its IMS metadata sidecar. The root filesystem is a real guest: its
# tree is written here and made into ext4 with `mkfs.ext4 -d` (no mounting, no root needed).
#
#   web-server.qcow2  Ubuntu 24.04 as a seller should leave it: every account locked in
#                     /etc/shadow, no authorized_keys, cloud-init installed, an empty
#                     machine-id, DHCP: `koopack scan` says "clean".
#   web-preset.qcow2  the same guest with a password set for root and the seller's key in
#                     /root/.ssh/authorized_keys: KG401 and KG403.
#
# Usage: make-guests.sh OUTPUT_FOLDER
# Needs: truncate, sfdisk, mkfs.vfat, mkfs.ext4 (e2fsprogs 1.43 or later, for -d), qemu-img.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
out=$1
PATH=$PATH:/usr/sbin:/sbin
work=$(mktemp -d "${TMPDIR:-/tmp}/koopack-guests.XXXXXX")
trap 'rm -rf "$work"' EXIT

ESP_GUID=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
LINUX_GUID=0FC63DAF-8483-4772-8E79-3D69D8477DE4
ROOT_UUID=2d1c7f0e-3b5a-4c8d-9e6f-7a1b2c3d4e5f
ESP_ID=5A1E-C0DE
# A SHA-512 crypt hash of "hunter2hunter2" (openssl passwd -6 -salt saltsalt hunter2hunter2).
PRESET_HASH='$6$saltsalt$yj/VLDgMjQCnRrAPBPKh5HRcgRfPSij0FYWRBJPofYcgCjjgCNa3CNbnWjuOFhRBFREybzjwmhkhe33hM4L6b1'

# clean_tree DIR: the guest's root filesystem as a seller should leave it.
clean_tree() {
    ct=$1
    mkdir -p "$ct/etc/cloud" "$ct/etc/ssh" "$ct/etc/netplan" "$ct/usr/lib" "$ct/usr/bin" \
        "$ct/var/lib/cloud/instances" "$ct/root" "$ct/home/ubuntu/.ssh" "$ct/boot/efi" "$ct/tmp"
    cat > "$ct/usr/lib/os-release" <<'OS'
PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
OS
    ln -s ../usr/lib/os-release "$ct/etc/os-release"
    cat > "$ct/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
sshd:x:105:65534::/run/sshd:/usr/sbin/nologin
ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash
PASSWD
    cat > "$ct/etc/shadow" <<'SHADOW'
root:*:19950:0:99999:7:::
daemon:*:19950:0:99999:7:::
sshd:!:19950::::::
ubuntu:!:19950:0:99999:7:::
SHADOW
    chmod 640 "$ct/etc/shadow"
    cat > "$ct/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
ubuntu:x:1000:
GROUP
    cat > "$ct/etc/fstab" <<FSTAB
UUID=$ROOT_UUID  /          ext4  defaults,discard  0 1
UUID=$ESP_ID     /boot/efi  vfat  umask=0077        0 1
FSTAB
    : > "$ct/etc/machine-id"
    printf 'datasource_list: [ OpenStack, None ]\ndisable_root: true\nssh_pwauth: false\n' > "$ct/etc/cloud/cloud.cfg"
    printf '#!/usr/bin/python3\nfrom cloudinit.cmd.main import main\nmain()\n' > "$ct/usr/bin/cloud-init"
    chmod 755 "$ct/usr/bin/cloud-init"
    printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\n' > "$ct/etc/ssh/sshd_config"
    printf 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n' > "$ct/etc/netplan/50-cloud-init.yaml"
    printf '# ~/.bashrc\n' > "$ct/root/.bashrc"
    chmod 700 "$ct/root" "$ct/home/ubuntu/.ssh"
}

# preset_tree DIR: the clean guest with root's password set and the seller's key authorized.
preset_tree() {
    clean_tree "$1"
    sed -i "s|^root:\*:|root:$PRESET_HASH:|" "$1/etc/shadow"
    mkdir -p "$1/root/.ssh"
    printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2VmYWtlZmFrZWZha2VmYWtlZmFrZWZha2VmYWtl seller@laptop\n' \
        > "$1/root/.ssh/authorized_keys"
    chmod 700 "$1/root/.ssh"
    chmod 600 "$1/root/.ssh/authorized_keys"
}

# system_disk QCOW2 TREE: a 40 GiB GPT disk whose root partition is an ext4 of TREE.
system_disk() {
    sd_raw=$work/disk.raw
    rm -f "$sd_raw"
    truncate -s 40G "$sd_raw"
    sfdisk -q --no-reread --no-tell-kernel "$sd_raw" <<TABLE
label: gpt
start=2048, size=204800, type=$ESP_GUID, name="EFI System Partition"
start=206848, type=$LINUX_GUID, name="cloudimg-rootfs"
TABLE
    mkfs.vfat -F 32 -s 1 -n UEFI -i "$(echo $ESP_ID | tr -d -)" --offset 2048 "$sd_raw" 102400 >/dev/null 2>&1
    # The root partition runs from sector 206848 to the backup GPT: 83,677,151 sectors rounded
    # down to whole MiB.
    sd_kib=$(( (83886080 - 34 - 206848) / 2048 * 1024 ))
    mkfs.ext4 -q -F -L cloudimg-rootfs -U "$ROOT_UUID" -d "$2" \
        -E offset=$((206848 * 512)),lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0 "$sd_raw" "${sd_kib}k"
    qemu-img convert -c -O qcow2 "$sd_raw" "$1"
    rm -f "$sd_raw"
}

# sidecar NAME ID: the eligible package's IMS metadata for image NAME with IMS ID ID, of an
# image made from an Ubuntu 24.04 ECS.
sidecar() {
    sed -e "s/\"name\": \"web-server\"/\"name\": \"$1\"/" -e "s/5b3d7c9e-2f41-4a8b-9c6d-1e7f3a5b8d20/$2/g" \
        -e 's/Ubuntu 22.04 server 64bit/Ubuntu 24.04 server 64bit/' \
        "$here/../packages/eligible/web-server.qcow2.json" > "$out/$1.qcow2.json"
}

mkdir -p "$out"
clean_tree "$work/clean"
system_disk "$out/web-server.qcow2" "$work/clean"
sidecar web-server 5b3d7c9e-2f41-4a8b-9c6d-1e7f3a5b8d20
preset_tree "$work/preset"
system_disk "$out/web-preset.qcow2" "$work/preset"
sidecar web-preset 9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b
