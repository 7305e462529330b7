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

export type CgroupManager = 'systemd';

export interface EngineOptions {
  root?: string | undefined;
  runroot?: string | undefined;
  runtime?: string | undefined;
  cgroupManager?: CgroupManager | undefined;
}

export class Engine {
  readonly paths: StorePaths;
  /** The OCI runtime as the user named it (runc, crun, or a path); located on use. */
  readonly runtimeName: string;
  readonly cgroupManager: CgroupManager;
  private stateDb: StateDatabase | undefined;

  constructor(options: EngineOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.paths = resolveStorePaths(options, env);
    this.runtimeName = options.runtime || env.TPOD_RUNTIME || 'runc';
    this.cgroupManager = options.cgroupManager ?? 'systemd';
    if (this.cgroupManager !== 'systemd') {
      throw new InvalidArgumentError(`unsupported cgroup manager "${String(this.cgroupManager)}": tpod needs systemd`);
    }
  }

  /** The store's SQLite database, created and migrated on first use. */
  get state(): StateDatabase {
    this.stateDb ??= openStateDatabase(this.paths.root);
    return this.stateDb;
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

  close(): void {
    this.stateDb?.close();
    this.stateDb = undefined;
  }
}
