/**
 * linux.namespaces: a new pid, ipc, uts and mount namespace always; a new network
 * namespace unless `--network host` (in which only lo exists, and the runtime brings it
 * up); a cgroup namespace only on a cgroup v2 host, as podman's default `--cgroupns`
 * (private on v2, host on v1: on a v1 or hybrid host a cgroup namespace would show a
 * partial view of the v1 hierarchies); a user namespace when uid/gid mappings are given.
 */
import type { NetworkMode } from './options.js';
import type { LinuxNamespace } from './types.js';

export interface NamespaceOptions {
  network: NetworkMode;
  cgroupNamespace: boolean;
  userNamespace: boolean;
}

export function linuxNamespaces(options: NamespaceOptions): LinuxNamespace[] {
  const namespaces: LinuxNamespace[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (options.network !== 'host') namespaces.push({ type: 'network' });
  if (options.cgroupNamespace) namespaces.push({ type: 'cgroup' });
  if (options.userNamespace) namespaces.push({ type: 'user' });
  return namespaces;
}
