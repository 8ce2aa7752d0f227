#!/bin/sh
# Runs each fuzz target (all of them, or those named) one after another for FUZZ_SECONDS
# (default 60) or FUZZ_RUNS executions, whichever ends first, starting from the committed seeds
# in Fuzz/corpus/<target>/ and the target's dictionary. New inputs go to Fuzz/scratch/<target>/
# (not committed); crashes, timeouts and OOMs to Fuzz/artifacts/<target>/. Prints, per target,
# the executions run and the crashes, timeouts and OOMs found; exits 1 when there were any.
# Extra libFuzzer flags: FUZZ_FLAGS="-jobs=2 ..."
set -u
# Swift's own crash reporter reads memory ASan does not expect it to: let libFuzzer report traps.
export SWIFT_BACKTRACE=enable=no
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/.build-fuzz/release"
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:--1}
all="probe-inspect qcow2 qcow qed vmdk-sparse vmdk-descriptor vhd vhdx vdi luks parallels iso
     guest-reader guest-view ims-metadata json audit-account release-yaml policy-yaml pdf-text docx-xml
     archive-list ext4 xfs vfat lvm2
     hcloud-config ini-credentials netrc git-credentials docker-config kubeconfig pgpass env-assignments
     ifcfg netplan nm-keyfile debian-interfaces udev-rules fstab systemd-mount grub-cfg bls-entry
     login-records machine-id private-key os-release rpm-header dpkg-status accounts ssh-keys
     bundle-manifest filesystem-identity image-identities ext4-journal xfs-log guest-scan
     zvhd zvhd2 zvhd-footer zvhd2-bitmap zvhd2-index"
targets=${*:-$all}

# Largest input per target: a header and its first tables fit in 64 KiB; a VHDX's headers and
# region tables reach 320 KiB; an ext4 filesystem's first blocks and the start of its journal, 96 KiB; a ZVHD2
# needs its header, a record, the 512 KiB index segment, the bitmap and the final footer (1 MiB),
# a ZVHD its footer, records and end footer; a footer alone is 512 bytes.
max_len() {
    case $1 in
        vhdx) echo 393216 ;;
        ext4-journal) echo 131072 ;;
        guest-scan) echo 262144 ;;
        zvhd|zvhd2) echo 1048576 ;;
        zvhd-footer) echo 4096 ;;
        *) echo 65536 ;;
    esac
}

summary=""
status=0
for t in $targets; do
    [ -x "$bin/$t" ] || { echo "no fuzz binary $bin/$t: run Fuzz/build.sh first" >&2; exit 2; }
    scratch="$here/scratch/$t"
    artifacts="$here/artifacts/$t"
    mkdir -p "$scratch" "$artifacts"
    dict=""
    [ -f "$here/dict/$t.dict" ] && dict="-dict=$here/dict/$t.dict"
    log="$here/scratch/$t.log"
    marker="$here/scratch/$t.started"
    touch "$marker"  # only artifacts newer than this count for this run
    echo "== $t: ${seconds}s or $runs runs, log $log"
    # shellcheck disable=SC2086
    "$bin/$t" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=5 -max_len="$(max_len "$t")" \
        -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 $dict \
        -artifact_prefix="$artifacts/" ${FUZZ_FLAGS:-} "$scratch" "$here/corpus/$t" > "$log" 2>&1
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    crashes=$(find "$artifacts" -newer "$marker" -name 'crash-*' | wc -l)
    timeouts=$(find "$artifacts" -newer "$marker" \( -name 'timeout-*' -o -name 'slow-unit-*' \) | wc -l)
    ooms=$(find "$artifacts" -newer "$marker" \( -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    line=$(printf '%-16s %12s executions %3d crashes %3d timeouts %3d OOMs' "$t" "${execs:-?}" "$crashes" "$timeouts" "$ooms")
    echo "$line"
    summary="$summary$line
"
    [ $((crashes + timeouts + ooms)) -eq 0 ] || status=1
done
echo
echo "== summary (artifacts in $here/artifacts/<target>/)"
printf '%s' "$summary"
exit $status
