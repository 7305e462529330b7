/**
 * The engine for one tpod invocation: resolved options plus lazily opened resources (the
 * state database). Commands build one from their flags, call into it, and close it; there
 * is no long-running process, so everything here lives for one command.
 */
import { resolveStorePaths, type StorePaths } from './paths.js';
import { InvalidArgumentError } from './errors.js';
import { openStateDatabase, type StateDatabase } from './state/database.js';
import { ContentStore } from './content/index.js';
import { ImageStore } from './images/store.js';
import { join } from 'node:path';
import { ContainerStore } from './containers/store.js';
import { containerPaths, type ContainerPaths } from './containers/layout.js';
import { chooseSnapshotDriver, defaultStorageDriver, storageDriverKind, type SnapshotDriver } from './snapshots/index.js';
import { locateRuntime } from './runtime/locate.js';
import { OciRuntimeCli } from './runtime/oci-runtime.js';
import type { SystemdManager } from './systemd/manager.js';
import { userIdMapping, type UserIdMapping } from './rootless/id-ranges.js';
import { checkRootlessEnvironment } from './rootless/environment.js';
import { removeTree } from './rootless/remove-tree.js';
import { log } from './log.js';

export type CgroupManager = 'systemd';

export interface EngineOptions {
  root?: string | undefined;
  runroot?: string | undefined;
  runtime?: string | undefined;
  cgroupManager?: CgroupManager | undefined;
  /** The storage driver of containers created by this invocation (podman's global --storage-driver). */
  storageDriver?: string | undefined;
}

export class Engine {
  readonly paths: StorePaths;
  /** The OCI runtime as the user named it (runc, crun, or a path); located on use. */
  readonly runtimeName: string;
  readonly cgroupManager: CgroupManager;
  private stateDb: StateDatabase | undefined;
  private systemdManager: Promise<SystemdManager> | undefined;
  private idMapping: UserIdMapping | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly runrootChosen: boolean;
  /** --storage-driver or STORAGE_DRIVER (as containers/storage reads it), if given. */
  private readonly storageDriverChosen: string | undefined;

  constructor(options: EngineOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.paths = resolveStorePaths(options, env);
    this.env = env;
    this.runrootChosen = Boolean(options.runroot || env.TPOD_RUNROOT);
    this.runtimeName = options.runtime || env.TPOD_RUNTIME || 'runc';
    this.cgroupManager = options.cgroupManager ?? 'systemd';
    this.storageDriverChosen = options.storageDriver || env.STORAGE_DRIVER || undefined;
    if (this.storageDriverChosen) storageDriverKind(this.storageDriverChosen);
    if (this.cgroupManager !== 'systemd') {
      throw new InvalidArgumentError(`unsupported cgroup manager "${String(this.cgroupManager)}": tpod needs systemd`);
    }
  }

  /** The store's SQLite database, created and migrated on first use. */
  get state(): StateDatabase {
    if (!this.stateDb) {
      this.checkRootlessSession();
      this.stateDb = openStateDatabase(this.paths.root);
    }
    return this.stateDb;
  }

  /** Rootless: the session tpod needs (runtime dir, own store) or a one-line error with the fix. */
  checkRootlessSession(): void {
    if (this.paths.rootless) {
      checkRootlessEnvironment({ paths: this.paths, env: this.env, uid: process.geteuid!(), runrootChosen: this.runrootChosen });
    }
  }

  /**
   * Rootless: how container ids map to the user's ids (container root = the user, the
   * rest from /etc/subuid and /etc/subgid). Read once per command; warns, as podman, when
   * the user has no subordinate ranges and only a single id can be mapped.
   */
  get userIdMapping(): UserIdMapping {
    if (!this.idMapping) {
      this.idMapping = userIdMapping();
      if (!this.idMapping.subordinate) {
        log.warn(`no subordinate ids for uid ${this.idMapping.uid} in /etc/subuid and /etc/subgid: using a single-id mapping (files of other owners in images belong to root in the container)`);
      }
    }
    return this.idMapping;
  }

  get images(): ImageStore {
    return new ImageStore(this.state);
  }

  /** Blobs as pulled (compressed layers, configs, manifests): kept for save and push. */
  get content(): ContentStore {
    return new ContentStore(join(this.paths.root, 'content'));
  }

  /** Where unpacked layers live, one directory per chain ID. */
  get layersDir(): string {
    return join(this.paths.root, 'layers');
  }

  layerDir(chainId: string): string {
    return join(this.layersDir, chainId.slice(chainId.indexOf(':') + 1));
  }

  get containers(): ContainerStore {
    return new ContainerStore(this.state);
  }

  containerPaths(id: string): ContainerPaths {
    return containerPaths(this.paths.root, this.paths.runroot, id);
  }

  snapshots(driver?: string): SnapshotDriver {
    return chooseSnapshotDriver(driver, { root: this.paths.root, userNamespace: this.paths.rootless ? this.userIdMapping : undefined });
  }

  /** The driver of new containers: the one chosen, else the store's (rootless: probed once per store). */
  async defaultStorageDriver(): Promise<string> {
    if (this.storageDriverChosen) return this.storageDriverChosen;
    return defaultStorageDriver(this.paths.root, this.paths.rootless ? this.userIdMapping : undefined);
  }

  /**
   * Deletes a tree of the store; rootless, files of subordinate ids (layers, a container's
   * writes, volumes) are deleted inside the user's namespace.
   */
  removeTree(path: string): Promise<void> {
    return removeTree(path, this.paths.rootless ? this.userIdMapping : undefined);
  }

  /** The OCI runtime by name (a container keeps the one it was created with). */
  runtime(name: string = this.runtimeName, entry?: string[]): OciRuntimeCli {
    return new OciRuntimeCli(locateRuntime(name), this.paths.runroot, entry);
  }

  /**
   * A container's runtime, run inside its filesystem's namespaces when the mount lives
   * only there (rootless fuse-overlayfs).
   */
  containerRuntime(container: { id: string; config: { runtime: string; storageDriver: string } }): OciRuntimeCli {
    return this.runtime(container.config.runtime, this.snapshots(container.config.storageDriver).runtimeEntry(container.id));
  }

  /**
   * The systemd manager for this user, connected once per command. Imported on first use:
   * dbus-next costs ~25 ms of start-up that commands not touching systemd (ps of stopped
   * containers, inspect, images, version) need not pay.
   */
  systemd(): Promise<SystemdManager> {
    this.systemdManager ??= import('./systemd/manager.js').then(({ SystemdManager }) => SystemdManager.forUser(this.paths.rootless));
    return this.systemdManager;
  }

  /** Starts connecting to systemd now; a failure is reported where the manager is used. */
  connectSystemdEarly(): void {
    this.systemd().catch(() => undefined);
  }

  close(): void {
    this.stateDb?.close();
    this.stateDb = undefined;
    void this.systemdManager?.then((manager) => manager.close()).catch(() => undefined);
    this.systemdManager = undefined;
  }
}
