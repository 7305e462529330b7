/**
 * What every snapshot driver does the same way: where snapshots live, removing one in any
 * half state, telling whether `merged` is mounted, listing them, and measuring usage. A
 * driver says only which directory holds a container's own writes.
 */
import { resolve } from 'node:path';
import { snapshotLayout, type SnapshotLayout } from './layout.js';
import { isMergedMounted } from './merged-mount.js';
import type { Mounter } from './mounter.js';
import { defaultMounter } from './syscall-mounter.js';
import { listSnapshotInfos, readPrepared, removeSnapshotDir } from './snapshot-dir.js';
import type { RuntimeRoot, SnapshotDriverName, SnapshotDriverOptions, SnapshotInfo } from './snapshot.js';
import { treeSize } from './usage.js';

export abstract class SnapshotDriverBase {
  abstract readonly name: SnapshotDriverName;
  protected readonly root: string;
  /** Also used by remove() of any driver, to unmount a `merged` left mounted (a half state). */
  protected readonly mounter: Mounter;

  constructor(options: SnapshotDriverOptions) {
    this.root = resolve(options.root);
    this.mounter = options.mounter ?? defaultMounter();
  }

  /** The directory whose size is the container's own usage. */
  protected abstract usageDir(layout: SnapshotLayout): string;

  abstract mount(containerId: string): Promise<string>;

  /** Roots tpod mounts itself: the runtime gets the mounted path. */
  async runtimeRoot(containerId: string): Promise<RuntimeRoot> {
    return { path: await this.mount(containerId) };
  }

  async remove(containerId: string): Promise<void> {
    await removeSnapshotDir(snapshotLayout(this.root, containerId), this.mounter);
  }

  runtimeEntry(_containerId: string): string[] | undefined {
    return undefined;
  }

  async isMounted(containerId: string): Promise<boolean> {
    return isMergedMounted(snapshotLayout(this.root, containerId));
  }

  async usage(containerId: string): Promise<number> {
    const layout = snapshotLayout(this.root, containerId);
    await readPrepared(layout, this.name);
    return treeSize(this.usageDir(layout));
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    return listSnapshotInfos(this.root);
  }
}
