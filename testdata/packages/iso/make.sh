#!/bin/sh
# An ISO 9660 installer image made with xorriso.
# Usage: make.sh OUTPUT_FOLDER
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/disk.sh"
out=$1
tree="$out/iso-tree.tmp"
rm -rf "$tree"
mkdir -p "$tree/tools"
printf 'koopack demo installer\n' > "$tree/README.TXT"
printf '#!/bin/sh\necho installing\n' > "$tree/tools/install.sh"
xorriso -as mkisofs -quiet -r -J -V TOOLS_INSTALLER -o "$out/tools-installer.iso" "$tree" 2>/dev/null
rm -rf "$tree"
