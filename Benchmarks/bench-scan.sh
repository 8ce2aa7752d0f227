#!/bin/sh
# koopack scan of a 2 GiB ext4 root filesystem image (a small Debian-like tree with this machine's
# real dpkg status), against debugfs reading the same few files (what a seller without koopack
# would run to look inside the image without mounting it), and against the goal of 50 ms.
# Called by bench.sh with WORK and KOOPACK set.
set -eu
command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null || { echo "scan 2 GiB ext4:         skipped (e2fsprogs is needed)"; exit 0; }
root="$WORK/scan-root"
mkdir -p "$root/etc/ssh" "$root/root/.ssh" "$root/home/alice" "$root/var/lib/dpkg" "$root/etc/cloud" "$root/usr/bin"
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' > "$root/etc/os-release"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n' > "$root/etc/passwd"
printf 'root:*:19700:0:99999:7:::\nalice:!:19700:0:99999:7:::\n' > "$root/etc/shadow"
printf 'users: [default]\n' > "$root/etc/cloud/cloud.cfg"
printf '#!/bin/sh\n' > "$root/usr/bin/cloud-init"
cp /var/lib/dpkg/status "$root/var/lib/dpkg/status" 2>/dev/null || printf 'Package: bash\nStatus: install ok installed\nVersion: 5.2\n\n' > "$root/var/lib/dpkg/status"
# Some bulk, so the filesystem is not all metadata.
head -c 64M /dev/urandom > "$root/usr/bin/bulk.bin"
img="$WORK/root.ext4"
truncate -s 2G "$img"
mkfs.ext4 -q -F -d "$root" "$img"
RUNS=50
now() { date +%s%N; }
t0=$(now); for _ in $(seq $RUNS); do "$KOOPACK" scan "$img" >/dev/null || true; done; t1=$(now)
for _ in $(seq $RUNS); do
  debugfs -R 'cat /etc/os-release' "$img" >/dev/null 2>&1
  debugfs -R 'cat /etc/passwd' "$img" >/dev/null 2>&1
  debugfs -R 'cat /etc/shadow' "$img" >/dev/null 2>&1
  debugfs -R 'ls -l /root/.ssh' "$img" >/dev/null 2>&1
  debugfs -R 'ls -l /etc/ssh' "$img" >/dev/null 2>&1
done; t2=$(now)
scan_us=$(( (t1 - t0) / RUNS / 1000 )); debugfs_us=$(( (t2 - t1) / RUNS / 1000 ))
echo "scan 2 GiB ext4 root:   koopack ${scan_us} us per image (goal < 50,000 us); debugfs reading 5 of the same paths ${debugfs_us} us; debugfs/koopack = $(awk -v a="$debugfs_us" -v b="$scan_us" 'BEGIN { if (b <= 0) b = 1; printf "%.2f", a / b }')"
