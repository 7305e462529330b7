/**
 * A snapshot's directory from creation to deletion, shared by every driver: created new
 * with exact modes, read back through snapshot.json, listed for the caller's GC, and
 * deleted in whatever half state a killed tpod left it.
 *
 * Deleting never walks into a mount: `merged` is unmounted first (merged-mount.ts) and
 * anything else still mounted below the snapshot (not ours: a bind mount, a test's tmpfs)
 * makes remove refuse, because a recursive delete would empty that filesystem too.
 */
import { chmod, lstat, mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AlreadyExistsError, ConflictError, fromSystemError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { containersDir, snapshotLayout, type SnapshotLayout } from './layout.js';
import { isMissing, mergedMountPoint, unmountMerged } from './merged-mount.js';
import type { Mounter } from './mounter.js';
import { isMountPoint, mountPointsBelow, readMountTable, type MountEntry } from './mountinfo.js';
import type { SnapshotInfo } from './snapshot.js';
import { readSnapshotState, type SnapshotDriverName, type SnapshotState } from './state.js';

/** Traversable, not listable: a root in a user namespace must still reach `merged`. */
export const SNAPSHOT_DIR_MODE = 0o711;
/** "/" of the container: overlayfs gives merged the upper's mode, copy sets merged's. */
export const ROOTFS_MODE = 0o755;
export const WORK_DIR_MODE = 0o700;

/**
 * Creates the snapshot directory and its subdirectories with exact modes (no umask).
 * The snapshot directory itself must be new: an existing one is another snapshot.
 */
export async function createSnapshotDirs(layout: SnapshotLayout, subdirs: ReadonlyArray<[string, number]>): Promise<void> {
  await mkdir(join(layout.dir, '..'), { recursive: true });
  try {
    await mkdir(layout.dir, { mode: SNAPSHOT_DIR_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AlreadyExistsError(`snapshot for container ${layout.id} already exists: ${layout.dir}`, {
        hint: 'remove the container first',
      });
    }
    throw fromSystemError(err, `creating snapshot ${layout.dir}`);
  }
  await chmod(layout.dir, SNAPSHOT_DIR_MODE);
  for (const [path, mode] of subdirs) {
    await mkdir(path, { mode });
    await chmod(path, mode);
  }
}

/** An overlay snapshot's directories: upper, work, merged, and an empty lower for no layers. */
export async function createOverlayDirs(layout: SnapshotLayout, lowers: readonly string[]): Promise<void> {
  await createSnapshotDirs(layout, [
    [layout.upper, ROOTFS_MODE],
    [layout.work, WORK_DIR_MODE],
    [layout.merged, ROOTFS_MODE],
    ...(lowers.length === 0 ? ([[layout.emptyLower, ROOTFS_MODE]] as Array<[string, number]>) : []),
  ]);
}

/** Absolute, existing directories; refused early with the path named. */
export async function checkLowerDirs(lowerDirs: readonly string[]): Promise<string[]> {
  const lowers: string[] = [];
  for (const lower of lowerDirs) {
    if (!lower.startsWith('/')) throw new InvalidArgumentError(`layer directory must be an absolute path: ${lower}`);
    const isDirectory = await stat(lower).then((stats) => stats.isDirectory(), () => false);
    if (!isDirectory) throw new NotFoundError(`layer directory missing: ${lower}`);
    lowers.push(resolve(lower));
  }
  return lowers;
}

/** The state of a prepared snapshot made by `driver`, or a typed error naming the path. */
export async function readPrepared(layout: SnapshotLayout, driver: SnapshotDriverName): Promise<SnapshotState> {
  const state = await readSnapshotState(layout);
  if (state === undefined) throw new NotFoundError(`no prepared snapshot for container ${layout.id}: ${layout.stateFile}`);
  if (state.driver !== driver) {
    throw new ConflictError(`snapshot of container ${layout.id} was made by the ${state.driver} driver, not ${driver}: ${layout.dir}`);
  }
  return state;
}

/**
 * Unmounts `merged` and deletes the snapshot directory, whatever state it is in; a
 * missing directory is success. Refuses to delete while anything else is mounted below.
 */
export async function removeSnapshotDir(layout: SnapshotLayout, mounter: Mounter): Promise<void> {
  let dir: string;
  try {
    dir = await realpath(layout.dir);
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  await unmountMerged(layout, mounter);
  const left = mountPointsBelow(await readMountTable(), dir);
  if (left.length > 0) {
    throw new ConflictError(`not removing snapshot of container ${layout.id}: still mounted below it: ${left.join(', ')}`, {
      hint: 'unmount them (they are not tpod snapshot mounts), then remove again',
    });
  }
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch (err) {
    throw fromSystemError(err, `removing snapshot ${dir}`);
  }
}

/** Every `<root>/containers/<id>/snapshot`, prepared or not, with one mount table read. */
export async function listSnapshotInfos(root: string): Promise<SnapshotInfo[]> {
  let ids: string[];
  try {
    ids = await readdir(containersDir(root));
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const table = await readMountTable();
  const infos: SnapshotInfo[] = [];
  for (const id of ids.sort()) {
    let layout: SnapshotLayout;
    try {
      layout = snapshotLayout(root, id);
    } catch {
      continue; // not a container id: not ours
    }
    const info = await snapshotInfo(layout, table);
    if (info) infos.push(info);
  }
  return infos;
}

async function snapshotInfo(layout: SnapshotLayout, table: readonly MountEntry[]): Promise<SnapshotInfo | undefined> {
  try {
    if (!(await lstat(layout.dir)).isDirectory()) return undefined;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  const state = await readSnapshotState(layout).catch(() => undefined); // corrupt = half prepared
  const target = await mergedMountPoint(layout);
  return {
    id: layout.id,
    dir: layout.dir,
    merged: layout.merged,
    driver: state?.driver,
    lowers: state?.lowers,
    prepared: state !== undefined,
    mounted: target !== undefined && isMountPoint(table, target),
  };
}
