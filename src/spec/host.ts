/**
 * What the spec needs to know about the host it will run on, read once per command so
 * build.ts itself stays a pure function of its inputs.
 */
import { readFileSync } from 'node:fs';
import { detectCgroups } from '../info/cgroups.js';
import { CAPABILITY_NAMES, parseBoundingSet, readLastCapability } from './capabilities.js';

export interface HostFacts {
  /** /proc/sys/kernel/cap_last_cap: which capabilities `--privileged` grants. */
  lastCapability: number;
  /** This process's bounding set (/proc/self/status CapBnd): the most a container can get. */
  boundingCapabilities?: string[];
  /** Give containers a cgroup namespace: podman does on cgroup v2 hosts only. */
  cgroupNamespace: boolean;
  /**
   * Hard limits the runtime cannot raise past, by rlimit type, when tpod lacks
   * CAP_SYS_RESOURCE (rootless, or root in a restricted sandbox): the default rlimits are
   * lowered to fit, as podman does for rootless. Missing: no ceiling.
   */
  rlimitCeilings?: Partial<Record<string, number>>;
}

export function detectHostFacts(): HostFacts {
  const status = readProc('/proc/self/status');
  const facts: HostFacts = { lastCapability: readLastCapability(), cgroupNamespace: detectCgroups().layout === 'v2' };
  const bounding = parseBoundingSet(status);
  if (bounding) facts.boundingCapabilities = bounding;
  if (!hasEffectiveCapability('CAP_SYS_RESOURCE', status)) facts.rlimitCeilings = parseProcLimits(readProc('/proc/self/limits'));
  return facts;
}

/** Whether this process holds `name` in its effective set (/proc/self/status CapEff). */
export function hasEffectiveCapability(name: string, status = readProc('/proc/self/status')): boolean {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const bit = (CAPABILITY_NAMES as readonly string[]).indexOf(name);
  if (hex === undefined || bit === -1) return false;
  return ((BigInt(`0x${hex}`) >> BigInt(bit)) & 1n) === 1n;
}

/** The rows of proc(5) /proc/PID/limits that tpod sets defaults for. */
const LIMIT_ROWS: Record<string, string> = { 'Max open files': 'RLIMIT_NOFILE', 'Max processes': 'RLIMIT_NPROC' };

/** Hard limits from /proc/PID/limits text ("unlimited" rows are left out: no ceiling). */
export function parseProcLimits(text: string): Partial<Record<string, number>> {
  const ceilings: Partial<Record<string, number>> = {};
  for (const line of text.split('\n')) {
    const [label, , hard] = line.trim().split(/\s{2,}/);
    const type = label === undefined ? undefined : LIMIT_ROWS[label];
    if (type && hard !== undefined && /^\d+$/.test(hard)) ceilings[type] = Number(hard);
  }
  return ceilings;
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
