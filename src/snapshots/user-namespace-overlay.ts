/**
 * The overlay driver of a rootless store. An unprivileged user cannot mount overlayfs
 * where tpod runs, but root of a user namespace can (Linux 5.11+, option `userxattr`,
 * whose whiteouts and user.overlay.* markers the layers were unpacked with). So the
 * snapshot's directories live in the store as for root, and the runtime mounts the
 * overlay itself: it is the first mount of config.json, at "/", made by runc inside the
 * container's user and mount namespaces; it exists exactly as long as the container.
 * Nothing is mounted on the host, so there is nothing to unmount or leak after a kill -9.
 * Files the container writes as its other users belong to subordinate ids: removal runs
 * inside the user's namespace (rootless/remove-tree.ts).
 */
import { join } from 'node:path';
import { PermissionDeniedError } from '../errors.js';
import type { UserIdMapping } from '../rootless/id-ranges.js';
import { handedRootfs, namespaceUser } from '../rootless/namespace-user.js';
import { removeTree } from '../rootless/remove-tree.js';
import { isMergedMounted, unmountMerged } from './merged-mount.js';
import { SnapshotDriverBase } from './driver-base.js';
import { ensureLayerLinks, layerLinksDir } from './layer-links.js';
import { readLayeredFile } from './layered-file.js';
import { layersDir, snapshotLayout, type SnapshotLayout } from './layout.js';
import { assertOverlayInputs, MOUNT_DATA_MAX, mountDataTooLong, overlayMountData } from './overlay-options.js';
import { checkLowerDirs, createOverlayDirs, readPrepared } from './snapshot-dir.js';
import type { RuntimeRoot, SnapshotDriver, SnapshotDriverName, SnapshotDriverOptions, SnapshotInfo, UnmountResult } from './snapshot.js';
import { writeSnapshotState, type SnapshotState } from './state.js';

/** Overlay's options in a user namespace: xattrs in user.overlay.*, not trusted.*. */
const USERXATTR = 'userxattr';

export class UserNamespaceOverlayDriver extends SnapshotDriverBase implements SnapshotDriver {
  readonly name: SnapshotDriverName = 'overlay';
  readonly mountsFilesystem = false;
  readonly rootHeldByProcess: boolean = false;
  protected readonly mapping: UserIdMapping | undefined;

  constructor(options: SnapshotDriverOptions) {
    super(options);
    this.mapping = options.userNamespace;
  }

  protected usageDir(layout: SnapshotLayout): string {
    return layout.upper;
  }

  async prepare(containerId: string, lowerDirs: readonly string[]): Promise<SnapshotInfo> {
    const layout = snapshotLayout(this.root, containerId);
    const lowers = await checkLowerDirs(lowerDirs);
    try {
      await createOverlayDirs(layout, lowers);
      const state: SnapshotState = { version: 1, driver: this.name, lowers, created: new Date().toISOString() };
      await this.checkMountable(layout, state); // too many layers fails create, not start
      await writeSnapshotState(layout, state);
    } catch (err) {
      await this.remove(containerId).catch(() => undefined);
      throw err;
    }
    return { id: containerId, dir: layout.dir, merged: layout.merged, driver: this.name, lowers, prepared: true, mounted: false };
  }

  protected async checkMountable(layout: SnapshotLayout, state: SnapshotState): Promise<void> {
    await overlayOptions(layersDir(this.root), layout, state);
  }

  /** The layer directories top first, as the container sees them merged, for reading files. */
  protected layeredReader(layout: SnapshotLayout, state: SnapshotState): RuntimeRoot['readFile'] {
    const layersTopFirst = [layout.upper, ...lowersOf(layout, state).reverse()];
    return (path, maxBytes) => readLayeredFile(layersTopFirst, path, maxBytes);
  }

  /**
   * Only as root of the user's namespace (`tpod unshare`, and rootless cp/export, which
   * run again there): the mount lives in that process's own mount namespace.
   */
  async mount(containerId: string): Promise<string> {
    const handed = handedRootfs(containerId);
    if (handed) return handed;
    const layout = snapshotLayout(this.root, containerId);
    if (!namespaceUser()) throw mountOutsideNamespace(containerId);
    if (await isMergedMounted(layout)) return layout.merged;
    const state = await readPrepared(layout, this.name);
    const options = await overlayOptions(layersDir(this.root), layout, state);
    await this.mounter.mountOverlay({ options: options.join(','), target: layout.merged, cwd: layout.dir });
    return layout.merged;
  }

  async unmount(containerId: string): Promise<UnmountResult> {
    if (!namespaceUser() || handedRootfs(containerId)) return 'not-mounted';
    return unmountMerged(snapshotLayout(this.root, containerId), this.mounter);
  }

  override async runtimeRoot(containerId: string): Promise<RuntimeRoot> {
    const layout = snapshotLayout(this.root, containerId);
    const state = await readPrepared(layout, this.name);
    const options = await overlayOptions(layersDir(this.root), layout, state);
    return {
      path: layout.merged,
      mount: { destination: '/', type: 'overlay', source: 'overlay', options },
      readFile: this.layeredReader(layout, state),
    };
  }

  override async remove(containerId: string): Promise<void> {
    await removeTree(snapshotLayout(this.root, containerId).dir, this.mapping);
  }
}

/** As podman: a rootless mount exists only in a user namespace's mount namespace. */
export function mountOutsideNamespace(containerId: string): PermissionDeniedError {
  return new PermissionDeniedError(`cannot mount the filesystem of container ${containerId} in rootless mode outside the user namespace`, {
    hint: 'run it inside `tpod unshare` (e.g. `tpod unshare sh -c \'ls $(tpod mount NAME)\'`); cp and export work as they are',
  });
}

export function lowersOf(layout: SnapshotLayout, state: SnapshotState): string[] {
  return state.lowers.length > 0 ? [...state.lowers] : [layout.emptyLower];
}

/**
 * The mount's options with absolute paths (the runtime's working directory is not ours to
 * choose), short layer links when the full names would not fit in one page.
 */
async function overlayOptions(layersRoot: string, layout: SnapshotLayout, state: SnapshotState): Promise<string[]> {
  const lowers = lowersOf(layout, state);
  assertOverlayInputs(lowers, layout.upper, layout.work);
  let data = `${overlayMountData(lowers, layout.upper, layout.work)},${USERXATTR}`;
  if (Buffer.byteLength(data) > MOUNT_DATA_MAX) {
    const links = (await ensureLayerLinks(layersRoot, lowers)).map((name) => join(layerLinksDir(layersRoot), name));
    data = `${overlayMountData(links, layout.upper, layout.work)},${USERXATTR}`;
  }
  if (Buffer.byteLength(data) > MOUNT_DATA_MAX) throw mountDataTooLong(lowers.length, data, 'use a shorter --root path');
  return data.split(',');
}
