/**
 * linux.maskedPaths and linux.readonlyPaths: podman's defaults (containers/common
 * pkg/config). /proc and /sys expose host-wide information and knobs that namespaces do
 * not cover: kernel memory (/proc/kcore), keyrings (/proc/keys), timers that leak other
 * processes' activity, firmware tables, power and energy counters (/sys/devices/virtual/
 * powercap, CVE-2020-8694). Masked paths are hidden (a runtime mounts /dev/null or an empty
 * read-only tmpfs over them); read-only ones stay visible but cannot be written, so
 * /proc/sys settings of the host cannot be changed from inside. `--privileged` drops both.
 */

export const DEFAULT_MASKED_PATHS = [
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/fs/selinux',
  '/sys/dev/block',
  '/sys/devices/virtual/powercap',
];

export const DEFAULT_READONLY_PATHS = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export function maskedPaths(privileged: boolean): string[] {
  return privileged ? [] : [...DEFAULT_MASKED_PATHS];
}

export function readonlyPaths(privileged: boolean): string[] {
  return privileged ? [] : [...DEFAULT_READONLY_PATHS];
}
