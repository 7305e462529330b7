/**
 * A path inside a container, turned into a host path under its root filesystem the way the
 * kernel resolves it inside the container (runc's securejoin): symlink targets are spliced
 * in, absolute targets restart at the rootfs, `..` never climbs above it. So a container's
 * `/etc -> /../../../host` cannot make `tpod cp` touch the host. The container may change
 * its files meanwhile; writes therefore go through the layer applier, which refuses any
 * entry passing through a symlink.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

const MAX_SYMLINKS = 40;

export async function resolveInRootfs(rootfs: string, path: string): Promise<string> {
  const pending = path.split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(rootfs, ...resolved, part);
    const stats = await lstat(candidate).catch(() => undefined);
    if (stats?.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw new InvalidArgumentError(`too many levels of symbolic links in "${path}"`);
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    resolved.push(part);
  }
  return join(rootfs, ...resolved);
}
