/**
 * Which resource limits a new container gets. Podman's default pids limit (2048) applies
 * where it can be enforced. A rootless container's limits are properties of a scope of the
 * user's own manager, enforceable only where that manager has controllers delegated, which
 * cgroup v1 never allows: there the default is dropped and an explicit limit is refused
 * (never silently ignored), naming the flag.
 */
import type { Engine } from '../engine.js';
import { InvalidArgumentError } from '../errors.js';
import { detectCgroups } from '../info/cgroups.js';
import type { ResourceRequest } from '../spec/options.js';

export const DEFAULT_PIDS_LIMIT = 2048;

const FLAG_OF: Record<keyof ResourceRequest, string> = {
  memory: '--memory',
  memorySwap: '--memory-swap',
  memoryReservation: '--memory-reservation',
  cpuQuota: '--cpus',
  cpuPeriod: '--cpus',
  cpuShares: '--cpu-shares',
  pidsLimit: '--pids-limit',
};

/**
 * Whether this user's containers can have cgroup controllers (limits, the freezer): root's
 * always; a rootless user's only where its manager has them delegated (cgroup v2).
 */
export function cgroupControllersAvailable(engine: Engine): boolean {
  return !engine.paths.rootless || detectCgroups().version === 'v2';
}

export function effectiveResources(engine: Engine, requested: ResourceRequest = {}): ResourceRequest {
  if (cgroupControllersAvailable(engine)) return { pidsLimit: DEFAULT_PIDS_LIMIT, ...requested };
  const given = (Object.keys(requested) as Array<keyof ResourceRequest>).filter((key) => requested[key] !== undefined);
  if (given.length > 0) {
    const flags = [...new Set(given.map((key) => FLAG_OF[key]))].join(', ');
    throw new InvalidArgumentError(`${flags}: resource limits cannot be enforced for rootless containers on this host (cgroup v1 cannot be delegated to a user's systemd)`, {
      hint: 'run without limits, run as root, or boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1)',
    });
  }
  return {};
}
