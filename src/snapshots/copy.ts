/**
 * The copy snapshot driver (podman's "vfs"): each container gets a full copy of its
 * image's layers, applied bottom to top into `merged` (copy-layer.ts). No mounts at all,
 * so it works where overlayfs does not (no kernel support, no privilege, an upper
 * filesystem overlay refuses), at the cost of disk space and prepare time; and it gives
 * tests a plain tree to compare overlay's view against.
 *
 * mount() and unmount() have nothing to do. prepare() writes snapshot.json only after the
 * last layer is copied, so a killed prepare is a half-prepared snapshot, never a prepared
 * one with missing files. The copied files are not fsynced (podman's vfs does not either).
 */
import { chmod } from 'node:fs/promises';
import { snapshotLayout, type SnapshotLayout } from './layout.js';
import { ROOTFS_MODE, checkLowerDirs, createSnapshotDirs, readPrepared, removeSnapshotDir } from './snapshot-dir.js';
import { SnapshotDriverBase } from './driver-base.js';
import { applyLayerCopy } from './copy-layer.js';
import type { SnapshotDriver, SnapshotInfo, UnmountResult } from './snapshot.js';
import { writeSnapshotState } from './state.js';

export class CopyDriver extends SnapshotDriverBase implements SnapshotDriver {
  readonly name = 'copy';
  readonly mountsFilesystem = false;
  readonly rootHeldByProcess = false;

  protected usageDir(layout: SnapshotLayout): string {
    return layout.merged;
  }

  async prepare(containerId: string, lowerDirs: readonly string[]): Promise<SnapshotInfo> {
    const layout = snapshotLayout(this.root, containerId);
    const lowers = await checkLowerDirs(lowerDirs);
    await createSnapshotDirs(layout, [[layout.merged, ROOTFS_MODE]]);
    try {
      for (const lower of lowers) await applyLayerCopy(lower, layout.merged);
      // cp -a gave merged the mode of each layer's root; "/" is 0755, as overlay's upper.
      await chmod(layout.merged, ROOTFS_MODE);
      await writeSnapshotState(layout, { version: 1, driver: this.name, lowers, created: new Date().toISOString() });
    } catch (err) {
      await removeSnapshotDir(layout, this.mounter).catch(() => undefined);
      throw err;
    }
    return { id: containerId, dir: layout.dir, merged: layout.merged, driver: this.name, lowers, prepared: true, mounted: false };
  }

  async mount(containerId: string): Promise<string> {
    const layout = snapshotLayout(this.root, containerId);
    await readPrepared(layout, this.name);
    return layout.merged;
  }

  async unmount(containerId: string): Promise<UnmountResult> {
    snapshotLayout(this.root, containerId); // validates the id, as every driver does
    return 'not-mounted';
  }

}
