/**
 * `--sysctl KEY=VALUE` (podman's): kernel parameters set in the container's own
 * namespaces (linux.sysctl; the runtime writes them under /proc/sys before the process
 * starts). Only namespaced ones are accepted, as podman: the IPC ones (kernel.msg*,
 * kernel.sem, kernel.shm*, fs.mqueue.*) and net.*, which a container on the host's
 * network (`--network host`) would set for the host, so there they are refused.
 */
import { InvalidArgumentError } from '../errors.js';
import type { NetworkMode } from './options.js';

const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);
const IPC_PREFIX = 'fs.mqueue.';
const NET_PREFIX = 'net.';

/** `--sysctl` values in order (a later one for the same key wins), checked against the network mode. */
export function parseSysctls(values: readonly string[], network: NetworkMode): Record<string, string> {
  const sysctls: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const key = eq === -1 ? '' : value.slice(0, eq).trim();
    if (key === '' || /\s/.test(key)) throw new InvalidArgumentError(`invalid --sysctl ${JSON.stringify(value)}: expected KEY=VALUE`);
    if (key.startsWith(NET_PREFIX)) {
      if (network === 'host') throw new InvalidArgumentError(`--sysctl ${key} cannot be set with --network host: it would change the host's network settings`);
    } else if (!IPC_SYSCTLS.has(key) && !key.startsWith(IPC_PREFIX)) {
      throw new InvalidArgumentError(`--sysctl ${key} is not namespaced: only net.*, fs.mqueue.* and the kernel.msg*, kernel.sem and kernel.shm* IPC settings can be set per container`);
    }
    sysctls[key] = value.slice(eq + 1);
  }
  return sysctls;
}
