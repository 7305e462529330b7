#!/bin/bash
# A/B wall time of one short tpod command from two checkouts, runs alternated so both see
# the same machine load: bench/startup-ab.sh OLD_CHECKOUT NEW_CHECKOUT CMD [ARGS...]
# Each checkout gets its own scratch store (/tmp/tpod-ab-old, /tmp/tpod-ab-new); prepare
# what CMD needs there first (e.g. pull once) with TPOD_AB_PREPARE="pull -q …".
# Prints the median of RUNS (default 15) for each. Not a budget check: bench/run.mjs is.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OLD_CHECKOUT NEW_CHECKOUT CMD [ARGS...]" >&2; exit 2; }
old=$1 new=$2
shift 2
runs=${RUNS:-15}
timing=$(mktemp)
trap 'rm -f "$timing" "$timing.err"' EXIT
if [ -n "${TPOD_AB_PREPARE:-}" ]; then
  # shellcheck disable=SC2086
  "$old/bin/tpod" --root /tmp/tpod-ab-old/root --runroot /tmp/tpod-ab-old/run $TPOD_AB_PREPARE >/dev/null
  # shellcheck disable=SC2086
  "$new/bin/tpod" --root /tmp/tpod-ab-new/root --runroot /tmp/tpod-ab-new/run $TPOD_AB_PREPARE >/dev/null
fi
declare -a old_times new_times
# One timed run of CMD from checkout $1 with store $2; a failing command stops the bench
# (a fast failure would pass for a fast command).
timed() {
  if ! /usr/bin/time -o "$timing" -f %e "$1/bin/tpod" --root "/tmp/tpod-ab-$2/root" --runroot "/tmp/tpod-ab-$2/run" "${@:3}" >/dev/null 2>"$timing.err"; then
    echo "$1/bin/tpod ${*:3}: failed: $(tail -1 "$timing.err")" >&2
    exit 1
  fi
  cat "$timing"
}
for _ in $(seq "$runs"); do
  old_times+=("$(timed "$old" old "$@")")
  new_times+=("$(timed "$new" new "$@")")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "$*: old $(median "${old_times[@]}") s, new $(median "${new_times[@]}") s (median of $runs, alternated)"
