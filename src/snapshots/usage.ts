/**
 * Disk usage of a snapshot's writable part, for `ps --size` (podman's SizeRw): the apparent
 * size of every non-directory below `dir`, a hard-linked inode counted once. Apparent
 * bytes, not allocated blocks, as docker and podman report it.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function treeSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let bytes = 0;
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        pending.push(path);
        continue;
      }
      const stats = await lstat(path, { bigint: true });
      const inode = `${stats.dev}:${stats.ino}`;
      if (stats.nlink > 1n) {
        if (seen.has(inode)) continue;
        seen.add(inode);
      }
      bytes += Number(stats.size);
    }
  }
  return bytes;
}
