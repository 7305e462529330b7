/**
 * A snapshot's `merged` directory as a mount point: whether it is mounted, and unmounting
 * it. The only path a snapshot driver ever unmounts is a snapshot's own `merged`, built by
 * layout.ts from a validated id (never taken from the mount table or a caller), and only
 * while it is a real directory: a symlink planted there could point at "/".
 *
 * unmount: plain umount, retried briefly while busy (the container's last process may be
 * exiting), then, as a last resort and with a warning, a lazy detach (umount -l, as
 * podman's cleanup does). Stacked mounts (two racing mounts) are peeled one by one.
 */
import { lstat, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError } from '../errors.js';
import { log } from '../log.js';
import type { SnapshotLayout } from './layout.js';
import { MountCommandError, type Mounter } from './mounter.js';
import { isMountPoint, readMountTable } from './mountinfo.js';
import type { UnmountResult } from './snapshot.js';

/**
 * `merged` as the mount table spells it (canonical), or undefined when it is not a real
 * directory: missing (half state) or replaced by something that is not ours to unmount.
 */
export async function mergedMountPoint(layout: SnapshotLayout): Promise<string | undefined> {
  try {
    const stats = await lstat(layout.merged);
    if (!stats.isDirectory()) return undefined;
    return join(await realpath(layout.dir), 'merged');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export async function isMergedMounted(layout: SnapshotLayout): Promise<boolean> {
  const target = await mergedMountPoint(layout);
  return target !== undefined && isMountPoint(await readMountTable(), target);
}

/** Plain umount attempts while busy, and the pause before each, before detaching lazily. */
const BUSY_RETRY_DELAYS_MS = [0, 50, 200];
/** Stacked mounts on one point (two racing mounts) are peeled one per round. */
const MAX_STACKED_MOUNTS = 8;

export async function unmountMerged(layout: SnapshotLayout, mounter: Mounter): Promise<UnmountResult> {
  const target = await mergedMountPoint(layout);
  if (target === undefined) return 'not-mounted';
  let result: UnmountResult = 'not-mounted';
  for (let round = 0; round < MAX_STACKED_MOUNTS; round++) {
    if (!isMountPoint(await readMountTable(), target)) return result;
    const once = await unmountOnce(target, mounter);
    if (result !== 'detached') result = once;
  }
  throw new ConflictError(`snapshot of container ${layout.id} is still mounted after ${MAX_STACKED_MOUNTS} unmounts: ${target}`);
}

async function unmountOnce(target: string, mounter: Mounter): Promise<UnmountResult> {
  for (const delay of BUSY_RETRY_DELAYS_MS) {
    if (delay > 0) await sleep(delay);
    try {
      await mounter.unmount(target);
      return 'unmounted';
    } catch (err) {
      if (!(err instanceof MountCommandError)) throw err;
      if (err.failure === 'not-mounted') return 'unmounted'; // someone else was quicker
      if (err.failure !== 'busy') throw new ConflictError(`unmounting ${target}: ${err.detail}`, { cause: err });
    }
  }
  try {
    await mounter.unmount(target, { lazy: true });
  } catch (err) {
    if (!(err instanceof MountCommandError)) throw err;
    throw new ConflictError(`detaching ${target}: ${err.detail}`, { cause: err });
  }
  log.warn(`${target} was busy: detached lazily (umount -l); the kernel frees it when the last user exits`);
  return 'detached';
}

/** ENOENT or ENOTDIR: the path, or a directory on it, is gone. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
