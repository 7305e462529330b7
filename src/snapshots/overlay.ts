/**
 * The overlay snapshot driver: the image layers are overlayfs lowerdirs, shared read only
 * by every container of the image; each container gets its own upperdir (its writes) and
 * workdir (overlayfs' scratch space, which must be an empty directory on the upper's
 * filesystem: Documentation/filesystems/overlayfs.rst "Upper and Lower").
 *
 * prepare() mounts the new snapshot once and unmounts it again, so an overlayfs the kernel
 * cannot provide (ENODEV, EINVAL, a missing layer, too many layers) fails `create`, with
 * the kernel's message, not a later `start`. For `run` (keepMounted) that mount stays: the
 * container starts next, and a mount plus an unmount (two spawns, ~30 ms) are spared.
 *
 * Mounting and unmounting one snapshot must be serialized by the caller (the container
 * lock): with index=off the kernel only warns when two mounts share an upperdir, so two
 * racing mounts would stack. unmount() peels stacked mounts if it ever happens.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { CorruptError } from '../errors.js';
import { kernelLogClock } from './kernel-log.js';
import { layersDir, snapshotLayout, type SnapshotLayout } from './layout.js';
import { isMergedMounted, isMissing, unmountMerged } from './merged-mount.js';
import {
  ROOTFS_MODE,
  WORK_DIR_MODE,
  checkLowerDirs,
  createOverlayDirs,
  readPrepared,
  removeSnapshotDir,
} from './snapshot-dir.js';
import { MountCommandError } from './mounter.js';
import { SnapshotDriverBase } from './driver-base.js';
import { explainOverlayFailure } from './overlay-errors.js';
import { planOverlayMount, type OverlayMountPlan } from './overlay-options.js';
import type { PrepareOptions, SnapshotDriver, SnapshotInfo, UnmountResult } from './snapshot.js';
import { writeSnapshotState, type SnapshotState } from './state.js';

export class OverlayDriver extends SnapshotDriverBase implements SnapshotDriver {
  readonly name = 'overlay';
  readonly mountsFilesystem = true;
  readonly rootHeldByProcess = false;

  protected usageDir(layout: SnapshotLayout): string {
    return layout.upper;
  }

  async prepare(containerId: string, lowerDirs: readonly string[], options: PrepareOptions = {}): Promise<SnapshotInfo> {
    const layout = snapshotLayout(this.root, containerId);
    const lowers = await checkLowerDirs(lowerDirs);
    await createOverlayDirs(layout, lowers);
    const state: SnapshotState = { version: 1, driver: this.name, lowers, created: new Date().toISOString() };
    try {
      await this.#mountLayout(layout, state); // the support check: fail at create, not at start
      if (!options.keepMounted) await unmountMerged(layout, this.mounter);
      await writeSnapshotState(layout, state);
    } catch (err) {
      await removeSnapshotDir(layout, this.mounter).catch(() => undefined);
      throw err;
    }
    return { id: containerId, dir: layout.dir, merged: layout.merged, driver: this.name, lowers, prepared: true, mounted: options.keepMounted === true };
  }

  async mount(containerId: string): Promise<string> {
    const layout = snapshotLayout(this.root, containerId);
    if (await isMergedMounted(layout)) return layout.merged;
    const state = await readPrepared(layout, this.name);
    await restoreScratchDirs(layout);
    await this.#mountLayout(layout, state);
    return layout.merged;
  }

  async unmount(containerId: string): Promise<UnmountResult> {
    return unmountMerged(snapshotLayout(this.root, containerId), this.mounter);
  }


  async #mountLayout(layout: SnapshotLayout, state: SnapshotState): Promise<void> {
    const lowers = state.lowers.length > 0 ? state.lowers : [layout.emptyLower];
    const plan = await planOverlayMount(layersDir(this.root), lowers, layout.upper, layout.work);
    const startedUsec = kernelLogClock();
    try {
      await mkdir(plan.cwd, { recursive: true });
      await this.mounter.mountOverlay({ options: plan.options, target: layout.merged, cwd: plan.cwd });
    } catch (err) {
      if (!(err instanceof MountCommandError)) throw err;
      if (await isMergedMounted(layout)) return; // another tpod process mounted it meanwhile
      throw await explainOverlayFailure(err, { target: layout.merged, lowers, startedUsec });
    }
  }

  /** For tests and `tpod info`-style diagnostics: how a snapshot would be mounted now. */
  async mountPlan(containerId: string): Promise<OverlayMountPlan> {
    const layout = snapshotLayout(this.root, containerId);
    const state = await readPrepared(layout, this.name);
    const lowers = state.lowers.length > 0 ? state.lowers : [layout.emptyLower];
    return planOverlayMount(layersDir(this.root), lowers, layout.upper, layout.work);
  }
}

/**
 * work and merged hold nothing that must survive (overlay empties work at mount), so a
 * missing one is recreated; a missing upper would silently lose the container's writes.
 */
async function restoreScratchDirs(layout: SnapshotLayout): Promise<void> {
  try {
    if (!(await lstat(layout.upper)).isDirectory()) throw new CorruptError(`snapshot upper is not a directory: ${layout.upper}`);
  } catch (err) {
    if (isMissing(err)) throw new CorruptError(`snapshot upper directory is missing: ${layout.upper}`, { cause: err });
    throw err;
  }
  await mkdir(layout.work, { mode: WORK_DIR_MODE }).catch(ignoreExists);
  await mkdir(layout.merged, { mode: ROOTFS_MODE }).catch(ignoreExists);
}

function ignoreExists(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
}
