#!/bin/sh
# What reading an image over HTTP costs: a compressed 40 GiB qcow2 GPT system disk, its ext4
# root holding a small tree (os-release, passwd, shadow, a home with .ssh), served by nginx on
# loopback. The figures are nginx's own, from its access log ($bytes_sent, one line a request),
# against the goals: the guest view in at most 2 MiB and 12 requests, the scan in at most 16 MiB.
# Called by bench.sh with WORK and KOOPACK set; runs alone too (sh Benchmarks/bench-remote.sh).
set -eu
KOOPACK=${KOOPACK:-.build/release/koopack}
QEMU_IMG=${QEMU_IMG:-qemu-img}
NGINX=${NGINX:-/usr/sbin/nginx}
own_work=""
if [ -z "${WORK:-}" ]; then WORK=$(mktemp -d "${TMPDIR:-/tmp}/koopack-bench-remote.XXXXXX"); own_work=$WORK; fi
for tool in "$NGINX" sfdisk mkfs.ext4 "$QEMU_IMG"; do
  command -v "$tool" >/dev/null || { echo "remote 40 GiB qcow2:     skipped ($tool is needed: make deps installs it)"; exit 0; }
done
dir="$WORK/remote"
mkdir -p "$dir/www" "$dir/nginx"
root="$dir/root"
mkdir -p "$root/etc/ssh" "$root/etc/cloud" "$root/root/.ssh" "$root/home/alice/.ssh" "$root/usr/bin"
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' > "$root/etc/os-release"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n' > "$root/etc/passwd"
printf 'root:*:19700:0:99999:7:::\nalice:!:19700:0:99999:7:::\n' > "$root/etc/shadow"
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench alice@bench\n' > "$root/home/alice/.ssh/authorized_keys"
printf 'users: [default]\n' > "$root/etc/cloud/cloud.cfg"
printf '#!/bin/sh\n' > "$root/usr/bin/cloud-init"
# A 40 GiB GPT disk: one Linux partition from 1 MiB to the end, its ext4 made from the tree.
raw="$dir/disk.raw"
truncate -s 40G "$raw"
printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q "$raw" >/dev/null
sectors=$(sfdisk --json "$raw" | python3 -c 'import json, sys; print(json.load(sys.stdin)["partitiontable"]["partitions"][0]["size"])')
mkfs.ext4 -q -F -d "$root" -E offset=1048576 "$raw" "$(( sectors / 2 ))k"
"$QEMU_IMG" convert -c -O qcow2 "$raw" "$dir/www/system.qcow2"
rm -f "$raw"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$dir/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 64; }
http {
    log_format ranges '\$request_method \$uri \$status \$bytes_sent \$http_range';
    access_log $dir/nginx/access.log ranges;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
        location / { limit_except GET { deny all; } }
    }
}
CONF
"$NGINX" -c "$dir/nginx/nginx.conf" -p "$dir/nginx" -e "$dir/nginx/error.log" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null || true; [ -z "$own_work" ] || rm -rf "$own_work"' EXIT
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "remote 40 GiB qcow2:     nginx did not start"; exit 2; }; sleep 0.1
done
url="http://127.0.0.1:$port/system.qcow2"
log="$dir/nginx/access.log"
# cost NAME GOAL_BYTES GOAL_REQUESTS COMMAND...: runs the command, then prints what nginx sent.
cost() {
  name=$1 goal_bytes=$2 goal_requests=$3; shift 3
  : > "$log"
  "$@" >"$dir/stdout" 2>"$dir/stderr" || [ $? -eq 1 ] || { echo "$name: koopack failed: $(cat "$dir/stderr")"; return 0; }
  awk -v name="$name" -v gb="$goal_bytes" -v gr="$goal_requests" '
    { bytes += $4; requests++ }
    END {
      ok = bytes <= gb && (gr == 0 || requests <= gr)
      printf "%s %d bytes (%.2f MiB) in %d requests, by nginx'"'"'s log (goal <= %.0f MiB%s): %s\n",
        name, bytes, bytes / 1048576, requests, gb / 1048576, gr ? sprintf(", <= %d requests", gr) : "", ok ? "met" : "NOT met"
    }' "$log"
}
cost "remote 40 GiB qcow2 guest view:" 2097152 12 "$KOOPACK" inspect --format json "$url"
cost "remote 40 GiB qcow2 scan:      " 16777216 0 "$KOOPACK" scan "$url"
grep -q "root on partition 1 (ext4)" "$dir/stdout" && grep -q "KG403" "$dir/stdout" \
  || echo "  the scan did not read the root filesystem: $(head -3 "$dir/stdout")"
echo "  koopack's own count of the scan: $(grep 'over HTTP' "$dir/stderr" | sed 's/^koopack: //')"
