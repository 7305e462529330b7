/**
 * A snapshot is a container's root filesystem over read-only image layers (containerd's
 * "active" snapshot): prepared once per container, mounted whenever the container runs,
 * removed with the container. Lifecycle, for every driver:
 *
 *   prepare(id, lowers)  directories, then snapshot.json (the commit point): "prepared"
 *   mount(id)            the merged root filesystem appears; idempotent
 *   unmount(id)          it disappears; the container's writes stay; idempotent
 *   remove(id)           unmount, then delete everything; works on any half state
 *
 * A killed tpod leaves either a directory without snapshot.json (half prepared) or a
 * mounted snapshot whose container record never committed: `listSnapshots` shows both and
 * the caller, who knows which containers exist, removes the strays.
 */
import type { UserIdMapping } from '../rootless/id-ranges.js';
import type { Mounter } from './mounter.js';
import type { SnapshotDriverName } from './state.js';

export type { SnapshotDriverName } from './state.js';

export interface SnapshotInfo {
  /** The container id the snapshot belongs to. */
  id: string;
  /** <root>/containers/<id>/snapshot */
  dir: string;
  /** The root filesystem path to hand the runtime (valid while mounted, for overlay). */
  merged: string;
  /** From snapshot.json; undefined when the snapshot is half prepared. */
  driver: SnapshotDriverName | undefined;
  /** Layer directories, bottom first; undefined when half prepared. */
  lowers: string[] | undefined;
  /** snapshot.json exists: prepare finished. */
  prepared: boolean;
  /** Something is mounted on `merged`. */
  mounted: boolean;
}

/**
 * How an unmount ended. "detached": the mount was busy, so it was lazily detached
 * (umount -l): gone from the tree, freed by the kernel when its last user lets go.
 */
export type UnmountResult = 'not-mounted' | 'unmounted' | 'detached';

/** What the runtime is given as the container's root filesystem. */
export interface RuntimeRoot {
  /** config.json's root.path. */
  path: string;
  /**
   * Rootless overlay: the runtime mounts the filesystem itself, inside the container's
   * user and mount namespaces, as the first of config.json's mounts (at "/", over `path`).
   */
  mount?: { destination: '/'; type: 'overlay'; source: 'overlay'; options: string[] };
  /**
   * Rootless fuse-overlayfs: the mount exists only in the namespaces of this process, and
   * the runtime must run inside them (`enter` + the runtime's argv).
   */
  holder?: { pid: number; enter: string[] };
  /** Reads a file of the root as the container will see it; for mounted roots, unset. */
  readFile?: (path: string, maxBytes: number) => Promise<string | undefined>;
}

export interface PrepareOptions {
  /**
   * The caller mounts the snapshot next (`run`): a driver that mounts to check the
   * snapshot works may leave that mount in place, sparing an unmount and a mount.
   */
  keepMounted?: boolean;
}

export interface SnapshotDriver {
  readonly name: SnapshotDriverName;
  /** Whether mount() puts a filesystem on `merged` (overlay) or is a no-op (copy). */
  readonly mountsFilesystem: boolean;
  /**
   * The root exists only in the namespaces of a process started with it (fuse-overlayfs's
   * holder), so the runtime's argv and the processes of the container's scope are known only
   * once `runtimeRoot()` has returned.
   */
  readonly rootHeldByProcess: boolean;
  /** Creates the snapshot over `lowerDirs` (absolute, bottom layer first); not mounted. */
  prepare(containerId: string, lowerDirs: readonly string[], options?: PrepareOptions): Promise<SnapshotInfo>;
  /** Mounts (if not already) and returns the merged path. */
  mount(containerId: string): Promise<string>;
  /** The root to hand the runtime when the container starts (mounted here, or by the runtime). */
  runtimeRoot(containerId: string): Promise<RuntimeRoot>;
  unmount(containerId: string): Promise<UnmountResult>;
  /** Unmounts, then deletes the snapshot directory; nothing there is fine. */
  remove(containerId: string): Promise<void>;
  isMounted(containerId: string): Promise<boolean>;
  /** The argv prefix the runtime must run under for this container (fuse-overlayfs's namespaces), if any. */
  runtimeEntry(containerId: string): string[] | undefined;
  /** Bytes the container wrote: apparent size of files in the upper dir (whole tree for copy). */
  usage(containerId: string): Promise<number>;
  /** Every snapshot in the store, whichever driver made it, prepared or not. */
  listSnapshots(): Promise<SnapshotInfo[]>;
}

export interface SnapshotDriverOptions {
  /** The store root (--root); layers are read from <root>/layers. */
  root: string;
  /** Defaults to mount(8)/umount(8); tests may record instead. */
  mounter?: Mounter;
  /** A rootless store: files of container ids are removed inside this mapping's namespace. */
  userNamespace?: UserIdMapping | undefined;
}
