#!/bin/bash
# tpod's test sandbox: a real systemd, PID 1 of its own pid+mount+cgroup namespaces, for a
# machine whose PID 1 is not systemd (CI VMs, containers). Integration tests run inside it
# so D-Bus, transient scope units, journald and user managers are the real thing.
#
#   sandbox.sh start         boot it (idempotent); prints the sandbox's PID 1 (host PID)
#   sandbox.sh exec CMD...   run CMD inside; exit status, environment and working directory
#                            of the caller pass through; stdin may be a tty, a pipe, a file,
#                            /dev/null or closed
#   sandbox.sh stop          SIGKILL its PID 1 (the kernel then ends everything inside) and
#                            remove its (empty) cgroup subtree; no-op when not running
#   sandbox.sh status        "running PID STATE" and exit 0, or "stopped" and exit 3
#
# Environment: SANDBOX_NAME (default tpod-test-sandbox) names the cgroup subtree and the
# state file /run/$SANDBOX_NAME.pid (override with SANDBOX_STATE). The default differs from
# the developer recipe's "tpod-sandbox" so tests never stop or reuse a developer's sandbox.
#
# Based on /work/shared/recipes/systemd-sandbox.sh (verified on Debian 12, systemd 252,
# cgroups hybrid: v1 controllers + v2 "unified"; root). Host-wide effects are avoided on
# purpose:
#  - own tmpfs on /sys/fs/cgroup and /run inside a private mount namespace (systemd
#    remounts the cgroup tmpfs read-only, which would hit the host's shared superblock),
#    and on /dev/shm (podman keeps its container locks there: 2048 per machine, leaked by
#    every store deleted without `podman rm`, so they would run out across runs);
#  - own cgroup subtree /$SANDBOX_NAME in every hierarchy, created by us, and the cgroup
#    namespace rooted there, so the sandbox's systemd never sees or writes host cgroups;
#  - masked units that would touch the whole machine: tmpfiles (would wipe /tmp, write
#    /dev), sysctl, binfmt, remount-fs, modules, pstore (moves host crash logs), sysusers
#    and firstboot (write /etc), journal-flush (keeps the journal in the sandbox's /run),
#    random-seed, utmp, and the timers enabled on the host (apt, fstrim, e2scrub, man-db,
#    dpkg backup, podman auto-update) which would otherwise act on the host's disk/images.
# Only basic.target is booted: multi-user services (postgresql, docker-registry, getty) stay
# off.
#
# Unlike the recipe, cgroup joins use $BASHPID: in a ( subshell ), $$ is the *parent*
# shell's PID, so writing $$ moves the wrong process and leaves the one that becomes the
# sandbox in the host's root cgroups (and the cgroup namespace rooted there).
set -euo pipefail
NAME=${SANDBOX_NAME:-tpod-test-sandbox}
STATE=${SANDBOX_STATE:-/run/$NAME.pid}
LOCK=$STATE.lock

die() { echo "sandbox.sh: $*" >&2; exit 1; }

[[ $NAME =~ ^[A-Za-z0-9_.-]+$ && $NAME != .* ]] || die "bad SANDBOX_NAME: '$NAME'"

# The sandbox's PID 1 as the host sees it, if running. Checks that the PID is still our
# systemd (comm + cgroup path), so a recycled PID in a stale state file is never touched.
pid1() {
  local p
  [ -s "$STATE" ] || return 1
  p=$(cat "$STATE")
  [[ $p =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] || return 1
  # name=systemd hierarchy (hybrid/legacy hosts) or the v2 line (unified hosts).
  grep -qE "^[0-9]+:(name=systemd)?:/$NAME/" "/proc/$p/cgroup" 2>/dev/null || return 1
  echo "$p"
}

# A process that exists and is not a zombie waiting for its parent to reap it.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# Every cgroup hierarchy mounted on the host (v1 controllers, name=systemd, v2 unified).
hierarchies() { findmnt -rn -t cgroup,cgroup2 -o TARGET; }

# Move the calling (sub)shell into the sandbox's cgroup subtree in every hierarchy. Called
# from a subshell, so the caller of sandbox.sh itself never moves.
join_cgroup() {
  local h
  for h in $(hierarchies); do
    [ -d "$h" ] || continue
    mkdir -p "$h/$NAME"
    # v1 cpuset children start empty and refuse tasks until cpus/mems are set.
    if [ -e "$h/cpuset.cpus" ] && [ -z "$(cat "$h/$NAME/cpuset.cpus")" ]; then
      cat "$h/cpuset.cpus" > "$h/$NAME/cpuset.cpus"; cat "$h/cpuset.mems" > "$h/$NAME/cpuset.mems"
    fi
    echo "$BASHPID" > "$h/$NAME/cgroup.procs"
  done
}

# Units masked inside the sandbox (see header for why each group).
MASKED="systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service
  systemd-tmpfiles-clean.service systemd-tmpfiles-clean.timer
  systemd-remount-fs.service systemd-sysctl.service systemd-binfmt.service
  proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount systemd-modules-load.service
  sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount
  dev-hugepages.mount dev-mqueue.mount getty.target console-getty.service
  systemd-pstore.service systemd-sysusers.service systemd-firstboot.service
  systemd-machine-id-commit.service systemd-journal-flush.service systemd-random-seed.service
  systemd-update-utmp.service
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer
  man-db.timer podman-auto-update.timer"

start() {
  local p ctrls
  if p=$(pid1); then echo "$p"; return; fi
  rm -f "$STATE"
  # v1 controllers to mount inside (names only, without mount options or name=).
  ctrls=$(findmnt -rn -t cgroup -o OPTIONS | tr ',' '\n' \
    | grep -vE '^(rw|ro|relatime|nosuid|nodev|noexec|none|name=.*)$' | sort -u | tr '\n' ' ')
  # The launcher must not keep the caller's stdio (a pipe would never reach EOF) nor the
  # lock (fd 9) open for the sandbox's whole life. setsid: its own session, so a Ctrl-C or
  # hangup meant for the caller never reaches unshare (whose death would SIGKILL the
  # sandbox); only `stop` ends it. (A background subshell is no group leader, so setsid
  # does not fork and systemd stays the launcher's child.)
  ( join_cgroup
    exec setsid unshare --pid --fork --kill-child --mount --cgroup --propagation private \
      env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CTRLS="$ctrls" MASKED="$MASKED" container=other bash -c '
        set -e
        mount -t proc proc /proc
        mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
        for c in $CTRLS; do mkdir -p /sys/fs/cgroup/$c; mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done
        mkdir -p /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
        mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
        mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
        mount -t tmpfs -o mode=755 tmpfs /run
        mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
        mkdir -p /run/systemd/system /run/lock
        # Debian'"'"'s udev rules give /dev/fuse mode 0666, which rootless fuse-overlayfs needs;
        # these machines have 0600. The sandbox gets its own node with Debian'"'"'s mode, bound
        # over /dev/fuse in its mount namespace only: the host'"'"'s node is left as it is.
        if [ -c /dev/fuse ]; then
          mkdir -p /run/sandbox-dev && mknod -m 666 /run/sandbox-dev/fuse c 10 229
          mount --bind /run/sandbox-dev/fuse /dev/fuse
        fi
        for u in $MASKED; do ln -sf /dev/null /run/systemd/system/$u; done
        # logind'"'"'s PrivateTmp would make /var/tmp/systemd-private-* on the host'"'"'s disk
        # (the sandbox shares /var/tmp), one more left behind by every boot.
        mkdir -p /run/systemd/system/systemd-logind.service.d
        printf "[Service]\nPrivateTmp=no\n" > /run/systemd/system/systemd-logind.service.d/tpod-sandbox.conf
        unset CTRLS MASKED
        exec /usr/lib/systemd/systemd --system --log-target=kmsg --unit=basic.target
      ' ) </dev/null >/dev/null 2>&1 9>&- &
  local launcher=$!
  p=""
  for _ in $(seq 100); do
    p=$(pgrep -P "$launcher" -x systemd || true); [ -n "$p" ] && break
    kill -0 "$launcher" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$p" ] || die "systemd did not start (launcher $launcher)"
  echo "$p" > "$STATE"
  local s=""
  for _ in $(seq 150); do
    s=$(run systemctl is-system-running </dev/null 2>/dev/null || true)
    case "$s" in running|degraded) echo "$p"; return;; esac
    alive "$p" || die "systemd (PID $p) died while booting; see dmesg (it logs to kmsg)"
    sleep 0.2
  done
  stop
  die "systemd not running after 30s (state: ${s:-none}); stopped it again"
}

# Enter the sandbox from its own cgroup subtree (systemd refuses D-Bus peers whose cgroup
# lies outside its namespace). nsenter keeps the environment; --wdns resolves the caller's
# directory inside the sandbox's mount namespace (only /run and /sys/fs/cgroup differ from
# the host, so a cwd below /run does not exist inside and fails loudly). nsenter forks for
# the pid namespace, waits, and exits with the command's status (or its signal).
run() {
  local p; p=$(cat "$STATE")
  ( join_cgroup; exec nsenter -t "$p" -m -p -C --wdns="$PWD" -- "$@" )
}

# SIGKILL the sandbox's PID 1 only: the kernel kills every other process of its pid
# namespace. Then remove the now empty cgroup directories below /$NAME (ours alone).
stop() {
  local p h
  if p=$(pid1); then
    kill -9 "$p"
    for _ in $(seq 100); do alive "$p" || break; sleep 0.05; done
    ! alive "$p" || die "PID 1 ($p) still alive after SIGKILL"
  fi
  rm -f "$STATE"
  for h in $(hierarchies); do
    [ -d "$h/$NAME" ] || continue
    # Processes of the dying namespace may take a moment to leave; rmdir of a busy cgroup
    # fails harmlessly and is retried.
    for _ in $(seq 50); do
      find "$h/$NAME" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [ -d "$h/$NAME" ] || break
      sleep 0.05
    done
  done
}

status() {
  local p
  if p=$(pid1); then
    echo "running $p $(run systemctl is-system-running </dev/null 2>/dev/null || true)"
  else
    echo stopped; exit 3
  fi
}

# start and stop are serialised so two callers never boot two systemds under one name.
locked() { exec 9>"$LOCK"; flock 9; "$@"; }

case "${1:-}" in
  start) locked start ;;
  stop) locked stop ;;
  status) status ;;
  exec)
    shift
    [ $# -gt 0 ] || die "usage: $0 exec CMD [ARG...]"
    pid1 >/dev/null || die "sandbox '$NAME' is not running (run: $0 start)"
    # stdin closed (<&-) would let nsenter's first open() become fd 0; give it /dev/null.
    [ -e "/proc/$$/fd/0" ] || exec </dev/null
    run "$@" ;;
  *) echo "usage: $0 start|exec CMD...|stop|status" >&2; exit 2 ;;
esac
