/**
 * process.rlimits: podman's defaults and `--ulimit name=soft[:hard]`.
 *
 * Names are setrlimit(2)'s resources in lower case without RLIMIT_ (docker's
 * go-units ParseUlimit list); a missing hard limit equals the soft one; -1 is unlimited
 * (RLIM_INFINITY) for either. Podman, when running as root, sets RLIMIT_NOFILE and
 * RLIMIT_NPROC to 1048576 unless the user gave them, so a container does not inherit
 * whatever limit the shell that ran tpod happened to have (lowered to what tpod may set).
 */
import { InvalidArgumentError } from '../errors.js';
import type { UlimitRequest } from './options.js';
import type { POSIXRlimit } from './types.js';

const ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;

/** RLIM_INFINITY, (rlim_t)-1: beyond Number's exact range, hence a bigint. */
export const RLIM_INFINITY = 2n ** 64n - 1n;

/** podman's define.RLimitDefaultValue. */
export const DEFAULT_RLIMIT = 1048576;

/** "nofile=1024:2048", "nofile=1024", "core=-1". */
export function parseUlimit(value: string): UlimitRequest {
  const eq = value.indexOf('=');
  if (eq === -1) throw new InvalidArgumentError(`invalid ulimit ${JSON.stringify(value)}: expected name=soft[:hard]`);
  const name = value.slice(0, eq).trim().toLowerCase();
  if (!(ULIMIT_NAMES as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(`invalid ulimit ${JSON.stringify(value)}: unknown resource ${JSON.stringify(name)}`, {
      hint: `use one of ${ULIMIT_NAMES.join(', ')}`,
    });
  }
  const [softText, hardText, extra] = value.slice(eq + 1).split(':');
  if (extra !== undefined) throw new InvalidArgumentError(`invalid ulimit ${JSON.stringify(value)}: expected name=soft[:hard]`);
  const soft = parseLimit(softText, value);
  const hard = hardText === undefined ? soft : parseLimit(hardText, value);
  if (!softWithinHard(soft, hard)) {
    throw new InvalidArgumentError(`invalid ulimit ${JSON.stringify(value)}: soft limit ${soft} is greater than hard limit ${hard}`);
  }
  return { type: `RLIMIT_${name.toUpperCase()}`, soft, hard };
}

function parseLimit(text: string | undefined, value: string): number {
  const trimmed = text?.trim() ?? '';
  if (!/^(-1|\d+)$/.test(trimmed)) {
    throw new InvalidArgumentError(`invalid ulimit ${JSON.stringify(value)}: ${JSON.stringify(trimmed)} is not a number or -1`);
  }
  const limit = Number(trimmed);
  if (!Number.isSafeInteger(limit)) throw new InvalidArgumentError(`invalid ulimit ${JSON.stringify(value)}: ${trimmed} is too large`);
  return limit;
}

function softWithinHard(soft: number, hard: number): boolean {
  if (hard === -1) return true;
  return soft !== -1 && soft <= hard;
}

/** The runtime-spec form of one limit: -1 becomes RLIM_INFINITY. */
export function toRlimit(request: UlimitRequest): POSIXRlimit {
  return { type: request.type, soft: rlimValue(request.soft), hard: rlimValue(request.hard) };
}

function rlimValue(limit: number): number | bigint {
  return limit === -1 ? RLIM_INFINITY : limit;
}

/**
 * Defaults first, each replaced by a `--ulimit` of the same type; later flags win. A
 * default above `ceilings` (the hard limits tpod cannot raise, see host.ts) is lowered to
 * it, or the runtime's setrlimit(2) would fail with EPERM; an explicit `--ulimit` is kept
 * as given, so an impossible request fails loudly instead of being quietly reduced.
 */
export function processRlimits(requests: readonly UlimitRequest[], ceilings: Partial<Record<string, number>> = {}): POSIXRlimit[] {
  const byType = new Map<string, POSIXRlimit>();
  for (const type of ['RLIMIT_NOFILE', 'RLIMIT_NPROC']) {
    const limit = Math.min(DEFAULT_RLIMIT, ceilings[type] ?? DEFAULT_RLIMIT);
    byType.set(type, { type, soft: limit, hard: limit });
  }
  for (const request of requests) byType.set(request.type, toRlimit(request));
  return [...byType.values()];
}
