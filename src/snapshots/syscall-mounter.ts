/**
 * The Mounter that calls mount(2) and umount2(2) directly, through tpod's small native addon
 * (native/mount.c, built by `npm run build`). util-linux mount(8) and umount(8) cost a
 * process each (~7 ms here: fork of a large Node process, exec, libmount reading the mount
 * table), twice on every `tpod run`; the system calls take ~1 ms. Where the addon is not
 * built (no compiler at install), `defaultMounter()` falls back to the commands.
 *
 * Errors carry the errno, so the failure class needs no parsing of messages; the detail
 * reads as mount(8)'s first line would: what was mounted where, and strerror's text.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { log } from '../log.js';
import { MountCommandError, SystemMounter, type Mounter, type MountFailure, type OverlayMountRequest } from './mounter.js';

interface MountAddon {
  mount(source: string, target: string, fstype: string, data: string, cwd?: string): void;
  umount(target: string, detach: boolean): void;
}

/** Three levels up from both dist/src/snapshots/ and the bundle in dist/bundle/tpod/. */
const ADDON_PATH = fileURLToPath(new URL('../../../native/build/Release/tpod_mount.node', import.meta.url));

let addon: MountAddon | null | undefined;

function loadAddon(): MountAddon | null {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)(ADDON_PATH) as MountAddon;
    } catch (err) {
      log.debug(`mount(2) addon not loaded (${(err as Error).message.split('\n')[0]}): mounting with util-linux mount(8)`);
      addon = null;
    }
  }
  return addon;
}

/** The syscall mounter where the addon is built, else util-linux's commands. */
export function defaultMounter(): Mounter {
  const loaded = loadAddon();
  return loaded ? new SyscallMounter(loaded) : new SystemMounter();
}

export class SyscallMounter implements Mounter {
  readonly #addon: MountAddon;

  constructor(loaded: MountAddon) {
    this.#addon = loaded;
  }

  async mountOverlay(request: OverlayMountRequest): Promise<void> {
    try {
      // The addon resolves relative lowerdirs against `cwd` on a thread of its own.
      this.#addon.mount('overlay', request.target, 'overlay', request.options, request.cwd);
    } catch (err) {
      throw mountError(err, `mount: ${request.target}`, mountFailure);
    }
  }

  async unmount(target: string, options: { lazy?: boolean } = {}): Promise<void> {
    try {
      this.#addon.umount(target, options.lazy === true);
    } catch (err) {
      throw mountError(err, `umount: ${target}`, unmountFailure);
    }
  }
}

function mountError(err: unknown, what: string, classify: (code: string | undefined) => MountFailure): MountCommandError {
  const e = err as NodeJS.ErrnoException;
  return new MountCommandError(classify(e.code), `${what}: ${e.message}`, { cause: err });
}

/** mount(2)'s errnos as mount(8)'s messages are classified (mounter.ts). */
export function mountFailure(code: string | undefined): MountFailure {
  switch (code) {
    case 'EBUSY':
      return 'busy';
    case 'EINVAL':
      return 'invalid';
    case 'ENODEV':
      return 'no-device';
    case 'ENOENT':
    case 'ENOTDIR':
      return 'not-found';
    case 'ELOOP':
      return 'loop';
    case 'EPERM':
    case 'EACCES':
      return 'permission';
    default:
      return 'other';
  }
}

/** umount2(2): EINVAL means the target is not a mount point. */
export function unmountFailure(code: string | undefined): MountFailure {
  return code === 'EINVAL' ? 'not-mounted' : mountFailure(code);
}
