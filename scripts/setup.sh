#!/bin/bash
# Installs what tpod and its tests need on Debian 12, then builds. Idempotent and quick
# when nothing is missing: every step checks before it acts, so `npm test` can run it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime: runc/crun (OCI runtimes), conmon (monitor), catatonit (--init), uidmap +
# fuse-overlayfs + slirp4netns (rootless), systemd + dbus (scopes), attr (overlay xattrs).
# Tests and benchmarks: docker-registry, skopeo/umoci/buildah (independent image tools),
# busybox-static (fixture images), podman (the peer), apache2-utils (htpasswd).
PACKAGES=(
  runc crun conmon catatonit uidmap fuse-overlayfs slirp4netns attr util-linux
  systemd systemd-container dbus dbus-user-session
  docker-registry skopeo umoci buildah podman busybox-static apache2-utils
  python3 make g++ man-db
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages (run as root to install): ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm deps: reinstall only when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (better-sqlite3 builds from source: ~2 min)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Build only when a source is newer than the last build (tsc takes ~15 s here). The
# esbuild bundle also takes in node_modules, hence package-lock.json.
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ ! -f oclif.manifest.json ] || [ ! -f man/tpod.1 ] || [ -n "$(find src cli commands test bin scripts native/mount.c native/binding.gyp package.json package-lock.json tsconfig.json -newer "$stamp" -print -quit)" ]; then
  npm run --silent build
  touch "$stamp"
fi
