/**
 * process.capabilities: podman's default set, `--cap-add`/`--cap-drop`, `--privileged`.
 *
 * Names are the kernel's (include/uapi/linux/capability.h) with the CAP_ prefix, as the
 * runtime-spec wants them. Flags accept any case, with or without CAP_, and ALL.
 * Merging follows podman (containers/common pkg/capabilities MergeCapabilities):
 *   --cap-add ALL   all capabilities, minus --cap-drop
 *   --cap-drop ALL  only --cap-add
 *   otherwise       defaults + --cap-add - --cap-drop; one name in both is an error
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import type { Capabilities } from './types.js';

/** Index = capability number; CAP_CHECKPOINT_RESTORE (40) is the last one in Linux 6.x. */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

/** Podman's default (containers.conf default_capabilities), in its order. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/** The last capability this host's kernel knows, from /proc/sys/kernel/cap_last_cap. */
export function readLastCapability(path = '/proc/sys/kernel/cap_last_cap'): number {
  try {
    const value = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    if (Number.isInteger(value) && value >= 0) return value;
  } catch {
    // No /proc (unusual): fall back to every capability tpod can name.
  }
  return CAPABILITY_NAMES.length - 1;
}

/** The names in a CapBnd line of proc(5) /proc/PID/status; undefined if it has none. */
export function parseBoundingSet(status: string): string[] | undefined {
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (hex === undefined) return undefined;
  const mask = BigInt(`0x${hex}`);
  return CAPABILITY_NAMES.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
}

/**
 * Every capability of a kernel whose last one is `lastCap`, by name. Numbers beyond tpod's
 * table (a newer kernel) are left out: runc and crun only accept names.
 */
export function allCapabilities(lastCap: number): string[] {
  return CAPABILITY_NAMES.slice(0, Math.max(0, lastCap + 1));
}

/** "net_admin", "CAP_NET_ADMIN", "Net_Admin" → "CAP_NET_ADMIN"; "all" → "ALL". */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!(CAPABILITY_NAMES as readonly string[]).includes(full)) {
    throw new InvalidArgumentError(`unknown capability ${JSON.stringify(name)}`);
  }
  return full;
}

export interface CapabilityRequest {
  capAdd: readonly string[];
  capDrop: readonly string[];
  privileged: boolean;
}

/**
 * The capability names the container's process keeps in its bounding set. `--privileged`
 * and `--cap-add ALL` mean every capability tpod itself may pass on (`bounding`, its own
 * bounding set, when known), as podman's capabilities.BoundingSet(): runc fails with
 * "unable to apply caps" when asked for one the calling process cannot grant.
 */
export function effectiveCapabilityList(request: CapabilityRequest, lastCap: number, bounding?: readonly string[]): string[] {
  const all = allCapabilities(lastCap).filter((cap) => !bounding || bounding.includes(cap));
  if (request.privileged) return all;
  const adds = request.capAdd.map(normalizeCapability);
  const drops = request.capDrop.map(normalizeCapability);
  if (adds.includes('ALL') && drops.includes('ALL')) {
    throw new InvalidArgumentError('--cap-add ALL and --cap-drop ALL cannot be combined');
  }
  if (adds.includes('ALL')) return all.filter((cap) => !drops.includes(cap));
  if (drops.includes('ALL')) return unique(adds);
  const both = adds.find((cap) => drops.includes(cap));
  if (both) throw new InvalidArgumentError(`capability ${both} cannot be both added and dropped`);
  return unique([...DEFAULT_CAPABILITIES, ...adds]).filter((cap) => !drops.includes(cap));
}

/**
 * The five sets of process.capabilities. Bounding, effective and permitted carry the list;
 * inheritable and ambient stay empty, as docker does: a non-root user then loses the
 * effective set at execve(2), which is what makes `-u 1000` unprivileged.
 */
export function processCapabilities(list: readonly string[]): Capabilities {
  return { bounding: [...list], effective: [...list], permitted: [...list], inheritable: [], ambient: [] };
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
