#!/bin/bash
# Builds a busybox image from Debian's busybox-static with umoci, as an OCI image layout:
# the offline stand-in for docker.io/library/busybox. `tpod pull oci:DIR:busybox` then
# names it localhost/busybox:latest, which `tpod run busybox` finds locally first, as
# podman does with a local localhost/busybox. Idempotent: reuses DIR when complete.
#
#   scripts/busybox-image.sh DIR
set -euo pipefail
out=${1:?usage: busybox-image.sh DIR}
[ -f "$out/index.json" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
layout=$work/oci
umoci init --layout "$layout"
umoci new --image "$layout:busybox"
umoci unpack --image "$layout:busybox" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
mkdir -p "$rootfs"/{bin,etc,root,tmp,proc,sys,dev}
chmod 1777 "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' > "$rootfs/etc/group"
umoci repack --image "$layout:busybox" --history.created_by "busybox-static $(dpkg-query -W -f='${Version}' busybox-static)" "$work/bundle"
umoci config --image "$layout:busybox" --config.cmd sh --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin
umoci gc --layout "$layout"
mkdir -p "$(dirname "$out")"
rm -rf "$out.tmp" && mv "$layout" "$out.tmp" && mv "$out.tmp" "$out"
