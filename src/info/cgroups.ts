/**
 * Which cgroup hierarchy the host runs, read from /proc/self/mountinfo as systemd does:
 * - v2 ("unified"): /sys/fs/cgroup is cgroup2
 * - hybrid: v1 controllers plus a cgroup2 at /sys/fs/cgroup/unified (systemd tracks
 *   processes there; resource limits still go through the v1 controllers)
 * - v1 ("legacy"): only v1 hierarchies
 * Podman reports v1 for both hybrid and legacy; tpod says which.
 */
import { readFileSync } from 'node:fs';

export type CgroupLayout = 'v2' | 'hybrid' | 'v1';

export interface CgroupInfo {
  version: 'v1' | 'v2';
  layout: CgroupLayout;
}

export function detectCgroups(mountinfo: string = readMountinfo()): CgroupInfo {
  const fsTypeAt = new Map<string, string>();
  for (const line of mountinfo.split('\n')) {
    // Fields: id parent major:minor root mountpoint options [optional...] - fstype source super
    const [before, after] = line.split(' - ');
    const mountPoint = before?.split(' ')[4];
    const fsType = after?.split(' ')[0];
    if (mountPoint && fsType) fsTypeAt.set(mountPoint, fsType);
  }
  if (fsTypeAt.get('/sys/fs/cgroup') === 'cgroup2') return { version: 'v2', layout: 'v2' };
  if (fsTypeAt.get('/sys/fs/cgroup/unified') === 'cgroup2') return { version: 'v1', layout: 'hybrid' };
  return { version: 'v1', layout: 'v1' };
}

function readMountinfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}
