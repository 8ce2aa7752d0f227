# Shell functions the packages' make.sh scripts share (POSIX sh; sourced, not run). POSIX sh
# has no local variables: each function's names carry its own prefix.
#
# A system disk here is what IMS exports from an ECS: a sparse GPT disk with a 100 MiB EFI
# system partition (FAT32) at 1 MiB and an ext4 root filling the rest, both made in place
# (mkfs.vfat --offset, mkfs.ext4 -E offset=...) with lazy initialisation, so a 40 GiB disk costs
# a few MiB of real writes.

ESP_GUID=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
LINUX_GUID=0FC63DAF-8483-4772-8E79-3D69D8477DE4
BIOS_BOOT_GUID=21686148-6449-6E6F-744E-656564454649

# raw_system_disk RAW BYTES [ROOTFS_BYTES]: a sparse raw file of exactly BYTES bytes holding a
# GPT with an EFI system partition and an ext4 root partition filling the disk, each with its
# filesystem. ROOTFS_BYTES makes the ext4 smaller than its partition: a volume grown before
# its filesystem was (cloud-init's growpart and resize2fs do that at first boot).
raw_system_disk() {
    rsd_raw=$1
    rsd_bytes=$2
    rsd_rootfs_bytes=${3:-}
    rm -f "$rsd_raw"
    truncate -s "$rsd_bytes" "$rsd_raw"
    sectors=$((rsd_bytes / 512))
    # Root ends on a 1 MiB boundary before the backup GPT (33 sectors) at the end.
    root_start=206848
    root_sectors=$(( (sectors - 34 - root_start) / 2048 * 2048 ))
    sfdisk -q --no-reread --no-tell-kernel -X gpt "$rsd_raw" >/dev/null <<TABLE
label: gpt
start=2048, size=204800, type=$ESP_GUID, name="EFI System Partition"
start=$root_start, size=$root_sectors, type=$LINUX_GUID, name="cloudimg-rootfs"
TABLE
    mkfs.vfat -F 32 -s 1 -n UEFI --offset 2048 "$rsd_raw" 102400 >/dev/null 2>&1
    mkfs.ext4 -q -F -L cloudimg-rootfs -U 2d1c7f0e-3b5a-4c8d-9e6f-7a1b2c3d4e5f \
        -E offset=$((root_start * 512)),lazy_itable_init=1,lazy_journal_init=1 \
        "$rsd_raw" $(( ${rsd_rootfs_bytes:-$((root_sectors * 512))} / 1024 ))k
}

# system_disk QCOW2 BYTES [ROOTFS_BYTES]: a system disk of BYTES bytes as a compressed qcow2
# (what `qemu-img convert -c -O qcow2` of an exported disk gives).
system_disk() {
    sd_qcow2=$1
    sd_raw="$sd_qcow2.raw.tmp"
    raw_system_disk "$sd_raw" "$2" "${3:-}"
    qemu-img convert -c -O qcow2 "$sd_raw" "$sd_qcow2"
    rm -f "$sd_raw"
}

# GiB N: N GiB in bytes.
gib() {
    echo $(( $1 * 1024 * 1024 * 1024 ))
}

# raw_hybrid_disk RAW BYTES: like raw_system_disk, but the GPT also has a 1 MiB BIOS boot
# partition (GRUB's core image on a GPT disk) before the EFI system partition: a disk that
# boots with BIOS and with UEFI.
raw_hybrid_disk() {
    rhd_raw=$1
    rhd_bytes=$2
    rm -f "$rhd_raw"
    truncate -s "$rhd_bytes" "$rhd_raw"
    sectors=$((rhd_bytes / 512))
    root_start=208896
    root_sectors=$(( (sectors - 34 - root_start) / 2048 * 2048 ))
    sfdisk -q --no-reread --no-tell-kernel -X gpt "$rhd_raw" >/dev/null <<TABLE
label: gpt
start=2048, size=2048, type=$BIOS_BOOT_GUID, name="BIOS boot"
start=4096, size=204800, type=$ESP_GUID, name="EFI System Partition"
start=$root_start, size=$root_sectors, type=$LINUX_GUID, name="cloudimg-rootfs"
TABLE
    mkfs.vfat -F 32 -s 1 -n UEFI --offset 4096 "$rhd_raw" 102400 >/dev/null 2>&1
    mkfs.ext4 -q -F -L cloudimg-rootfs -U 2d1c7f0e-3b5a-4c8d-9e6f-7a1b2c3d4e5f \
        -E offset=$((root_start * 512)),lazy_itable_init=1,lazy_journal_init=1 \
        "$rhd_raw" $(( root_sectors * 512 / 1024 ))k
}

# hybrid_disk QCOW2 BYTES: a hybrid (BIOS and UEFI) system disk as a compressed qcow2.
hybrid_disk() {
    hd_raw="$1.raw.tmp"
    raw_hybrid_disk "$hd_raw" "$2"
    qemu-img convert -c -O qcow2 "$hd_raw" "$1"
    rm -f "$hd_raw"
}
