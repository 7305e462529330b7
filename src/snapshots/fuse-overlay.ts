/**
 * The fuse-overlayfs driver of a rootless store (`--storage-driver fuse-overlayfs`, and the
 * default where the kernel will not mount overlayfs in a user namespace: before Linux
 * 5.11, or a store on a filesystem overlayfs refuses as upper, such as another overlayfs).
 * The snapshot's directories and the layers are the native driver's; the mount is made by
 * fuse-overlayfs in namespaces of its own (fuse-mount-holder.ts) when the container starts
 * and ends when its exit is recorded. The runtime runs inside those namespaces, so the
 * container needs no user namespace of its own: it is in the holder's, which has the same
 * mapping.
 */
import { existsSync } from 'node:fs';
import { UnavailableError } from '../errors.js';
import { enterHolderArgs, FUSE_OVERLAYFS, liveHolder, startMountHolder, stopMountHolder } from './fuse-mount-holder.js';
import { snapshotLayout, type SnapshotLayout } from './layout.js';
import { assertOverlayInputs } from './overlay-options.js';
import { readPrepared } from './snapshot-dir.js';
import type { RuntimeRoot, SnapshotDriver, SnapshotDriverName, UnmountResult } from './snapshot.js';
import type { SnapshotState } from './state.js';
import { handedRootfs } from '../rootless/namespace-user.js';
import { lowersOf, mountOutsideNamespace, UserNamespaceOverlayDriver } from './user-namespace-overlay.js';

export class FuseOverlayDriver extends UserNamespaceOverlayDriver implements SnapshotDriver {
  override readonly name: SnapshotDriverName = 'fuse-overlayfs';
  override readonly rootHeldByProcess = true;

  /** Options are an argument of fuse-overlayfs, not mount(2) data: no page-size limit. */
  protected override async checkMountable(layout: SnapshotLayout, state: SnapshotState): Promise<void> {
    requireFuseOverlayfs();
    mountData(layout, state);
  }

  override async runtimeRoot(containerId: string): Promise<RuntimeRoot> {
    const layout = snapshotLayout(this.root, containerId);
    const state = await readPrepared(layout, this.name);
    requireFuseOverlayfs();
    const holder = await startMountHolder(layout, this.mapping!, mountData(layout, state));
    return { path: layout.merged, holder: { pid: holder.pid, enter: enterHolderArgs(holder) }, readFile: this.layeredReader(layout, state) };
  }

  /** What rootless cp/export reach (through the holder, fuse-mount-holder.ts); `tpod mount` is not supported. */
  override async mount(containerId: string): Promise<string> {
    const handed = handedRootfs(containerId);
    if (handed) return handed;
    throw mountOutsideNamespace(containerId);
  }

  override runtimeEntry(containerId: string): string[] | undefined {
    const holder = liveHolder(snapshotLayout(this.root, containerId));
    return holder ? enterHolderArgs(holder) : undefined;
  }

  override async isMounted(containerId: string): Promise<boolean> {
    return liveHolder(snapshotLayout(this.root, containerId)) !== undefined;
  }

  override async unmount(containerId: string): Promise<UnmountResult> {
    if (handedRootfs(containerId)) return 'not-mounted'; // the tpod that handed it on stops the holder
    return (await stopMountHolder(snapshotLayout(this.root, containerId))) ? 'unmounted' : 'not-mounted';
  }

  override async remove(containerId: string): Promise<void> {
    await stopMountHolder(snapshotLayout(this.root, containerId));
    await super.remove(containerId);
  }
}

/** Checked where a mount is needed (create, start), never where one ends: rm must work without it. */
function requireFuseOverlayfs(): void {
  if (!existsSync(FUSE_OVERLAYFS)) {
    throw new UnavailableError(`storage driver fuse-overlayfs: ${FUSE_OVERLAYFS} not found`, { hint: 'install the Debian package fuse-overlayfs' });
  }
}

/** fuse-overlayfs takes overlay's three directories (top lower first); index and metacopy are the kernel's. */
function mountData(layout: SnapshotLayout, state: SnapshotState): string {
  const lowers = lowersOf(layout, state);
  assertOverlayInputs(lowers, layout.upper, layout.work);
  return [`lowerdir=${[...lowers].reverse().join(':')}`, `upperdir=${layout.upper}`, `workdir=${layout.work}`].join(',');
}
