#!/bin/bash
# The README's first command: install what is missing, build, and run tpod's main job: a
# busybox container that prints a line, its cgroup owned by systemd. On machines whose
# PID 1 is not systemd (CI VMs, containers) it boots the project's systemd sandbox for the
# duration and stops it afterwards; on a systemd host it runs directly. Offline: the image
# is built from Debian's busybox-static as localhost/busybox unless one is already stored.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

inside=()
started_sandbox=
if [ "$(cat /proc/1/comm)" != systemd ]; then
  export SANDBOX_NAME=${SANDBOX_NAME:-tpod-main-job}
  if ! bash test/harness/sandbox.sh status >/dev/null 2>&1; then
    bash test/harness/sandbox.sh start >/dev/null
    started_sandbox=1
  fi
  inside=(bash test/harness/sandbox.sh exec)
fi
stop_sandbox() { [ -z "$started_sandbox" ] || bash test/harness/sandbox.sh stop; }
trap stop_sandbox EXIT

if ! "${inside[@]}" bin/tpod image inspect localhost/busybox >/dev/null 2>&1; then
  bash scripts/busybox-image.sh .cache/busybox-image
  "${inside[@]}" bin/tpod pull -q "oci:$PWD/.cache/busybox-image:busybox" >/dev/null
fi
"${inside[@]}" bin/tpod run --rm busybox echo "hello from a tpod container (systemd scope, runc, overlay)"
