#!/bin/sh
# Makes the seed corpora of the guest scan's fuzz targets (the credential, network and boot
# parsers, login records, identities, the ext4 journal, the XFS log, whole guest disks, and the guest parsers RPM header, dpkg
# status, accounts, SSH keys, os-release and the bundle manifest) under Fuzz/corpus/<target>/.
# Called by make-seeds.sh; can run alone: sh Fuzz/make-scan-seeds.sh (needs mke2fs, debugfs,
# sfdisk, mkfs.vfat, mkswap, python3).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/Fuzz/corpus"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in hcloud-config ini-credentials netrc git-credentials docker-config kubeconfig pgpass env-assignments \
         ifcfg netplan nm-keyfile debian-interfaces udev-rules fstab systemd-mount grub-cfg bls-entry login-records \
         machine-id private-key os-release rpm-header dpkg-status accounts ssh-keys image-identities bundle-manifest \
         filesystem-identity ext4-journal xfs-log guest-scan; do
    rm -rf "${corpus:?}/$t"; mkdir -p "$corpus/$t"
done
# put TARGET NAME: standard input as corpus/TARGET/NAME.
put() { cat > "$corpus/$1/$2"; }

put hcloud-config profiles.json <<'X'
{"language":"en","current":"default","profiles":[{"name":"default","mode":"AKSK","accessKeyId":"HPUAEXAMPLE","secretAccessKey":"sk-value","securityToken":"","region":"ap-southeast-3","projectId":"","domainId":""}]}
X
put ini-credentials aws.ini <<'X'
[default]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = secret
# aws_session_token = old
[profile ci]
aws_session_token=token
X
put ini-credentials obsutil.ini <<'X'
[Credentials]
ak=HPUAEXAMPLE
sk=secret
token=
endpoint=obs.ap-southeast-3.myhuaweicloud.com
X
put ini-credentials rclone.conf <<'X'
[obs]
type = s3
secret_access_key = x
[box]
type = sftp
pass = y
token = {"access_token":"z"}
X
put ini-credentials my.cnf <<'X'
[client]
user=root
password="p"
; password=old
X
put netrc netrc <<'X'
machine ftp.example.com login seller password p1
machine git.example.com
  login ci
  password "quoted \" word"
macdef init
cd /pub

default login anonymous password ""
X
put git-credentials git-credentials <<'X'
https://seller:token@github.com
https://token@gitlab.example.com:8443/group/repo.git
ssh://git@example.org
X
put docker-config config.json <<'X'
{"auths":{"swr.ap-southeast-3.myhuaweicloud.com":{"auth":"dXNlcjpwYXNz"},"[::1]:5000":{"identitytoken":"t"}},"credsStore":"pass"}
X
put kubeconfig config <<'X'
apiVersion: v1
kind: Config
clusters:
- name: cce
  cluster: {server: "https://192.0.2.10:5443"}
users:
- name: admin
  user:
    client-key-data: a2V5
    token: &t abc
- name: ci
  user:
    auth-provider:
      config: {id-token: *t, refresh-token: r, client-secret: s}
X
put pgpass pgpass <<'X'
# host:port:db:user:password
db.example.com:5432:*:app:secret
weird\:host:5432:db:u:p\:w
X
put env-assignments profile.sh <<'X'
export HUAWEICLOUD_SDK_SK=secret
OBS_SECRET_ACCESS_KEY="x"; export OBS_SECRET_ACCESS_KEY
declare -x AWS_SECRET_ACCESS_KEY='y'
setenv GITHUB_TOKEN z
export A=$(cat f) B="${C}" DB_PASSWORD=p \
  X=1 # comment
X
put ifcfg ifcfg-eth0 <<'X'
DEVICE=eth0
HWADDR=fa:16:3e:12:34:56
BOOTPROTO=static
IPADDR0="192.168.0.10"
X
put netplan 50-cloud-init.yaml <<'X'
network:
  version: 2
  ethernets:
    eth0:
      match: {macaddress: "fa:16:3e:12:34:56"}
      set-name: eth0
      dhcp4: true
    eth1:
      addresses: [192.168.1.10/24]
  bonds:
    bond0: {macaddress: "52:54:00:aa:bb:cc", dhcp4: yes}
X
put nm-keyfile eth0.nmconnection <<'X'
[connection]
id=System eth0
interface-name=eth0
[ethernet]
mac-address=FA:16:3E:12:34:56
cloned-mac-address=stable
[ipv4]
address1=192.168.0.10/24,192.168.0.1
method=manual
X
put debian-interfaces interfaces <<'X'
source /etc/network/interfaces.d/*
auto lo
iface lo inet loopback
allow-hotplug eth0
iface eth0 inet static
    address 192.168.0.10/24
    hwaddress ether fa:16:3e:12:34:56
iface eth1 inet6 static \
    address 2001:db8::1/64
X
put udev-rules 70-persistent-net.rules <<'X'
SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="fa:16:3e:12:34:56", ATTR{type}=="1", KERNEL=="eth*", NAME="eth0"
SUBSYSTEM=="net", ACTION=="add", \
  ATTRS{address}=="52:54:00:aa:bb:cc", NAME:="lan0"
X
put fstab fstab <<'X'
UUID=0a1b2c3d-1111-2222-3333-444455556666 / ext4 errors=remount-ro 0 1
LABEL=boot\040disk /boot ext4 defaults 0 2
PARTUUID=1a2b3c4d-01 /boot/efi vfat umask=0077 0 1
/dev/disk/by-label/EFI\x20System /efi vfat nofail 0 0
/dev/mapper/vg--data-home /home ext4 defaults 0 2
/dev/vg0/srv /srv xfs noauto 0 0
/dev/sdb1 /mnt ext4 defaults 0 0
proc /proc proc defaults 0 0
X
put systemd-mount data.mount <<'X'
[Mount]
What=/dev/disk/by-uuid/5e1f0000-aaaa-bbbb-cccc-ddddeeeeffff
Where=/data
Type=xfs
Options=defaults,nofail
X
put grub-cfg grub.cfg <<'X'
menuentry 'Debian' {
	search --no-floppy --fs-uuid --set=root 0a1b
	linux /boot/vmlinuz root=UUID=0a1b2c3d-1111-2222-3333-444455556666 ro quiet
}
menuentry 'CentOS' {
	linux16 /vmlinuz root=/dev/mapper/centos-root rd.lvm.lv=centos/root resume="/dev/mapper/centos-swap"
}
X
{ printf 'title Red Hat\noptions $kernelopts root=LABEL=x\n'; printf '# GRUB Environment Block\nkernelopts=root=/dev/mapper/rhel-root ro rd.lvm.lv=rhel/root\n'; } \
    | put bls-entry rhel8.conf
python3 - "$corpus/login-records/wtmp" <<'X'
import struct, sys
with open(sys.argv[1], 'wb') as f:
    for t, user in [(7, b'seller'), (8, b'seller'), (0, b''), (2, b'reboot')]:
        f.write(struct.pack('<hhi32s4s32s256shhiii4i20s', t, 0, 1234, b'pts/0', b'ts/0', user, b'203.0.113.9', 0, 0, 0, 1700000000, 0, 0, 0, 0, 0, b''))
X
printf '4c4c4544003510488051b4c04f4d5931\n' | put machine-id id
printf 'uninitialized\n' | put machine-id uninitialized
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n' | put private-key bundle.pem
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n' | put private-key openssh
printf 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n' | put private-key putty.ppk
printf -- '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQ\n' | put private-key pgp.asc
printf 'NAME="openEuler"\nVERSION="22.03 (LTS-SP1)"\nID="openEuler"\nVERSION_ID="22.03"\n' | put os-release openeuler
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nBAD="x\\"y\\$z"\nS='"'"'q'"'"'\n' | put os-release debian
printf 'NAME="CentOS Stream"\nID="centos"\nVERSION_ID="9"\n' | put os-release centos
[ -f /etc/os-release ] && cp /etc/os-release "$corpus/os-release/host"
# An RPM header blob: three index entries (NAME, VERSION, RELEASE) over a small data store.
python3 - "$corpus/rpm-header/header.bin" <<'X'
import struct, sys
data = b'bash\x005.1.8\x006.el9\x00'
index = [(1000, 6, 0, 1), (1001, 6, 5, 1), (1002, 6, 11, 1)]
blob = struct.pack('>II', len(index), len(data)) + b''.join(struct.pack('>IIiI', *e) for e in index) + data
open(sys.argv[1], 'wb').write(bytes([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]) + blob)
X
head -c 16384 /var/lib/dpkg/status > "$corpus/dpkg-status/status" 2>/dev/null || \
    printf 'Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\nSource: bash (5.2.15-2)\n\n' | put dpkg-status status
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n+nis\n\0root:$6$salt$hash:19000:0:99999:7:::\nalice::19000::::::\n' \
    | put accounts passwd-shadow
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2Vm seller@laptop\n# comment\n' | put ssh-keys authorized_keys
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n' | put ssh-keys private
cat > "$corpus/bundle-manifest/bundle.json" <<'X'
{"format":"koopack-bundle","version":1,"bundle-id":"b1","created-at":1764000000,"product":"Web","pricing-mode":"free","pricing-template":"","images":[{"name":"web","image-file":"images/web.qcow2","image-id":null,"metadata-file":null,"regions":["ap-southeast-3"]}],"days":[{"index":1,"date":"2026-12-01"}],"files":[{"path":"images/web.qcow2","name":"web.qcow2","size":1024,"sha256":"0000000000000000000000000000000000000000000000000000000000000000","role":"image","day":1,"keys":["images[0]"]}]}
X

# Volumes for the identity targets: each filesystem kind's first 64 KiB (btrfs's superblock
# sits at 64 KiB: its 68 KiB are kept).
i=0
for make in "mkfs.ext4 -q -F -L root" "mkfs.vfat -F 12 -n EFI" "mkfs.vfat -F 16" "mkfs.vfat -F 32 -n BOOT" "mkswap -L swap0" \
            "mkfs.ntfs -q -F -f -L Data" "mkfs.exfat -L Data"; do
    i=$((i + 1)); rm -f "$work/v.img"; truncate -s 40M "$work/v.img"
    $make "$work/v.img" >/dev/null 2>&1 || continue
    head -c 65536 "$work/v.img" > "$corpus/filesystem-identity/volume-$i.img"
done
rm -f "$work/b.img"; truncate -s 128M "$work/b.img"
if mkfs.btrfs -q -L pool "$work/b.img" >/dev/null 2>&1; then head -c 69632 "$work/b.img" > "$corpus/filesystem-identity/btrfs.img"; fi
head -c 65536 "$root/testdata/lvm/lvm-linear.img" > "$corpus/filesystem-identity/lvm.img"
# Disks for image-identities: an MBR disk with an ext4 and a FAT partition, and a GPT disk.
truncate -s 64K "$work/fat.img"; mkfs.vfat -n KOOFAT "$work/fat.img" >/dev/null
rm -f "$work/e.img"; truncate -s 1M "$work/e.img"; mkfs.ext4 -q -F -L root "$work/e.img" >/dev/null 2>&1 || true
rm -f "$work/mbr.img"; truncate -s 64K "$work/mbr.img"
printf 'label: dos\nlabel-id: 0x11223344\nstart=8, size=40, type=83\nstart=48, size=72, type=c\n' | sfdisk -q "$work/mbr.img"
dd if="$work/e.img" of="$work/mbr.img" bs=512 seek=8 count=8 conv=notrunc status=none
dd if="$work/fat.img" of="$work/mbr.img" bs=512 seek=48 count=8 conv=notrunc status=none
cp "$work/mbr.img" "$corpus/image-identities/mbr.img"
rm -f "$work/gpt.img"; truncate -s 64K "$work/gpt.img"
printf 'label: gpt\nfirst-lba: 34\nstart=40, size=20, type=U, name="EFI System"\nstart=60, size=30, type=L, name=root\n' | sfdisk -q "$work/gpt.img"
dd if="$work/fat.img" of="$work/gpt.img" bs=512 seek=40 count=8 conv=notrunc status=none
cp "$work/gpt.img" "$corpus/image-identities/gpt.img"
cp "$corpus/filesystem-identity/lvm.img" "$corpus/image-identities/lvm-pv.img"

# XFS logs: the superblock of a 1 KiB-block XFS whose log is moved to block 16 and cut to 40
# blocks, holding the first 80 sectors of mkfs.xfs's log (an unmount record, then zeros); the
# same with the unmount flag cleared (needs recovery); and a wrapped log (the record at cycle 2,
# the rest of the ring at cycle 1).
if command -v mkfs.xfs >/dev/null && command -v xfs_logprint >/dev/null; then
    truncate -s 300M "$work/xl.img"
    mkfs.xfs -q -f -b size=1024 "$work/xl.img"
    daddr=$(xfs_logprint -d "$work/xl.img" | sed -n 's/.*daddr: *\([0-9]*\).*/\1/p' | head -1)
    python3 - "$work/xl.img" "$daddr" "$corpus/xfs-log" <<'PY'
import struct, sys
image, daddr, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(image, 'rb') as f:
    head = bytearray(f.read(16384))
    f.seek(daddr * 512)
    log = bytearray(f.read(80 * 512))
head[48:56] = struct.pack('>Q', 16)
head[96:100] = struct.pack('>I', 40)
open(out + '/clean.img', 'wb').write(head + log)
dirty = bytearray(log); dirty[512 + 9] &= 0xdf
open(out + '/dirty.img', 'wb').write(head + dirty)
wrapped = bytearray(log)
wrapped[4:8] = struct.pack('>I', 2); wrapped[512:516] = struct.pack('>I', 2)
for sector in range(2, 80):
    wrapped[sector * 512:sector * 512 + 4] = struct.pack('>I', 1)
open(out + '/wrapped.img', 'wb').write(head + wrapped)
PY
fi

# Whole guest disks for guest-scan (256 KiB): MBR partition 1 a 100 KiB ext4 root whose fstab
# mounts partition 2 (a 128 KiB ext4 labelled home) on /home and names a missing UUID and
# /dev/sdb1, with a KooCLI config, a machine ID and an Ubuntu 18.04 os-release.
mkdir -p "$work/gs/root/etc" "$work/gs/root/home" "$work/gs/root/root/.hcloud" "$work/gs/home/alice/.ssh"
printf 'ID=ubuntu\nVERSION_ID="18.04"\n' > "$work/gs/root/etc/os-release"
printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' > "$work/gs/root/etc/passwd"
printf 'root:$6$x$y:1:0:99999:7:::\n' > "$work/gs/root/etc/shadow"
printf 'LABEL=home /home ext4 defaults 0 2\nUUID=0b1c2d3e-0000-4000-8000-00000000dead /data ext4 defaults 0 2\n/dev/sdb1 /mnt ext4 defaults 0 0\n' > "$work/gs/root/etc/fstab"
printf '{"profiles":[{"secretAccessKey":"x"}]}\n' > "$work/gs/root/root/.hcloud/config.json"
echo 0123456789abcdef0123456789abcdef > "$work/gs/root/etc/machine-id"
echo 'ssh-ed25519 AAAA k' > "$work/gs/home/alice/.ssh/authorized_keys"
mke2fs -q -F -t ext4 -O ^has_journal,^resize_inode -b 1024 -N 32 -m 0 -d "$work/gs/root" "$work/gs-root.img" 100K
mke2fs -q -F -t ext4 -O ^has_journal,^resize_inode -b 1024 -N 16 -m 0 -L home -d "$work/gs/home" "$work/gs-home.img" 128K
truncate -s 256K "$work/gs.img"
printf 'label: dos\nstart=1, size=200, type=83\nstart=201, size=256, type=83\n' | sfdisk -q "$work/gs.img"
dd if="$work/gs-root.img" of="$work/gs.img" bs=512 seek=1 conv=notrunc status=none
dd if="$work/gs-home.img" of="$work/gs.img" bs=512 seek=201 conv=notrunc status=none
cp "$work/gs.img" "$corpus/guest-scan/mbr-home.img"
cp "$work/gs-root.img" "$corpus/guest-scan/root-only.img"

# ext4 images whose journals hold a committed transaction (debugfs's jo, jw, jc), with and
# without checksums and 64-bit tags, and one with a revoke: 3 MiB filesystems of 1 KiB blocks,
# cut after the log's first blocks (96 KiB: the rest of the 1 MiB journal is unused).
mkdir -p "$work/tree/root/.ssh" && printf '# none\n' > "$work/tree/root/.ssh/README"
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZha2Vm seller@laptop\n' > "$work/ak"
n=0
for variant in ":" "-O ^64bit:" ":-c -v 2" ":-c -v 3" "-O ^64bit:-c -v 3" ":revoke"; do
    n=$((n + 1)); mkfs=${variant%%:*}; jo=${variant#*:}
    rm -f "$work/a.img" "$work/b.img"
    # shellcheck disable=SC2086
    mke2fs -q -F -t ext4 -b 1024 -J size=1 $mkfs -d "$work/tree" "$work/a.img" 3M >/dev/null 2>&1 || continue
    cp "$work/a.img" "$work/b.img"
    debugfs -w -R "write $work/ak /root/.ssh/authorized_keys" "$work/b.img" >/dev/null 2>&1
    python3 - "$work/a.img" "$work/b.img" "$work/blocks.bin" "$work/list" <<'X'
import sys
a = open(sys.argv[1], 'rb').read(); b = open(sys.argv[2], 'rb').read()
changed = [i for i in range(len(a) // 1024) if a[i*1024:(i+1)*1024] != b[i*1024:(i+1)*1024]]
open(sys.argv[3], 'wb').write(b''.join(b[i*1024:(i+1)*1024] for i in changed))
open(sys.argv[4], 'w').write(','.join(map(str, changed)))
X
    if [ "$jo" = revoke ]; then
        printf 'jo\njw -b %s %s\njc\njo\njw -r %s\njc\n' "$(cat "$work/list")" "$work/blocks.bin" "$(cut -d, -f1 "$work/list")" > "$work/cmds"
    else
        printf 'jo %s\njw -b %s %s\njc\n' "$jo" "$(cat "$work/list")" "$work/blocks.bin" > "$work/cmds"
    fi
    debugfs -w -f "$work/cmds" "$work/a.img" >/dev/null 2>&1
    head -c 98304 "$work/a.img" > "$corpus/ext4-journal/journal-$n.img"
done
du -sh "$corpus"
