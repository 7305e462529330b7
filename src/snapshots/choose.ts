/**
 * `--storage-driver`: overlay, fuse-overlayfs (rootless), or the copy driver under podman's
 * name, vfs. An explicit choice is kept: if overlay cannot mount, prepare fails naming the
 * driver and the kernel's reason. Without one, a container gets default-driver.ts's choice.
 * Rootless, overlay is mounted by the runtime inside the container's user namespace
 * (user-namespace-overlay.ts), fuse-overlayfs by a process of tpod's (fuse-overlay.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import { CopyDriver } from './copy.js';
import { FuseOverlayDriver } from './fuse-overlay.js';
import { OverlayDriver } from './overlay.js';
import { UserNamespaceOverlayDriver } from './user-namespace-overlay.js';
import type { SnapshotDriver, SnapshotDriverOptions } from './snapshot.js';
import type { SnapshotDriverName } from './state.js';

export const DEFAULT_STORAGE_DRIVER = 'overlay';

/** Flag values and the driver each selects; overlay2 as docker users spell it. */
const STORAGE_DRIVERS: Readonly<Record<string, SnapshotDriverName>> = {
  overlay: 'overlay',
  overlay2: 'overlay',
  'fuse-overlayfs': 'fuse-overlayfs',
  vfs: 'copy',
  copy: 'copy',
};

/** The driver kind a `--storage-driver` value names; unknown values are refused. */
export function storageDriverKind(name: string): SnapshotDriverName {
  const driver = Object.hasOwn(STORAGE_DRIVERS, name) ? STORAGE_DRIVERS[name] : undefined;
  if (driver === undefined) throw new InvalidArgumentError(`unknown storage driver "${name}": want overlay, fuse-overlayfs, vfs or copy`);
  return driver;
}

/** The driver a `--storage-driver` value (or a snapshot.json `driver`) names. */
export function chooseSnapshotDriver(name: string | undefined, options: SnapshotDriverOptions): SnapshotDriver {
  const driver = storageDriverKind(name === undefined || name === '' ? DEFAULT_STORAGE_DRIVER : name);
  if (driver === 'fuse-overlayfs') {
    if (!options.userNamespace) throw new InvalidArgumentError('storage driver fuse-overlayfs is for rootless use: as root, use overlay');
    return new FuseOverlayDriver(options);
  }
  if (driver === 'copy') {
    // The copy driver applies whiteouts and opaque markers itself, as root only.
    if (options.userNamespace) throw new InvalidArgumentError('storage driver vfs is not supported rootless yet: use overlay');
    return new CopyDriver(options);
  }
  return options.userNamespace ? new UserNamespaceOverlayDriver(options) : new OverlayDriver(options);
}
