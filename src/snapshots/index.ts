/**
 * Container root filesystems over image layers. See snapshot.ts for the lifecycle,
 * layout.ts for where things live, overlay.ts and copy.ts for the two drivers.
 */
export { chooseSnapshotDriver, DEFAULT_STORAGE_DRIVER, storageDriverKind } from './choose.js';
export { CopyDriver } from './copy.js';
export { defaultStorageDriver } from './default-driver.js';
export { pruneLayerLinks } from './layer-links.js';
export { listSnapshotInfos as listSnapshots } from './snapshot-dir.js';
export { containersDir, layersDir, snapshotLayout, type SnapshotLayout } from './layout.js';
export { SystemMounter, MountCommandError, type Mounter, type MountFailure, type OverlayMountRequest } from './mounter.js';
export { SyscallMounter, defaultMounter } from './syscall-mounter.js';
export { OverlayDriver } from './overlay.js';
export { MOUNT_DATA_MAX, OVERLAY_FEATURE_OPTIONS, overlayMountData, planOverlayMount, type OverlayMountPlan } from './overlay-options.js';
export type { SnapshotDriver, SnapshotDriverName, SnapshotDriverOptions, SnapshotInfo, UnmountResult } from './snapshot.js';
