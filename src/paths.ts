/**
 * Where a store lives. Root: /var/lib/tpod (database, images, containers) and /run/tpod
 * (runtime state that must vanish at reboot: bundles, exit files, mounts). Rootless users
 * get the XDG equivalents, so two users never share a store and root never reads a user's.
 * Flags win over environment, environment over the defaults chosen by the effective uid.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from './errors.js';
import { namespaceUser } from './rootless/namespace-user.js';

export interface StorePaths {
  /** Persistent state: database, content, layers, container upper dirs. */
  root: string;
  /** Volatile state on tmpfs: bundles, exit files, locks. */
  runroot: string;
  rootless: boolean;
}

export interface PathOverrides {
  root?: string | undefined;
  runroot?: string | undefined;
}

/** Whose store this is: the user's own uid, also as root of their namespace (namespace-user.ts). */
export function storeOwnerUid(env: NodeJS.ProcessEnv = process.env): number {
  return namespaceUser(env)?.uid ?? process.geteuid?.() ?? 0;
}

export function isRootless(uid: number = storeOwnerUid()): boolean {
  return uid !== 0;
}

export function defaultStorePaths(env: NodeJS.ProcessEnv = process.env, uid = storeOwnerUid(env)): StorePaths {
  if (!isRootless(uid)) return { root: '/var/lib/tpod', runroot: '/run/tpod', rootless: false };
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  // Without XDG_RUNTIME_DIR there is no per-user tmpfs; podman falls back to /tmp too.
  const runtimeDir = env.XDG_RUNTIME_DIR || join('/tmp', `tpod-run-${uid}`);
  return { root: join(dataHome, 'tpod'), runroot: join(runtimeDir, 'tpod'), rootless: true };
}

export function resolveStorePaths(
  overrides: PathOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
  uid = storeOwnerUid(env),
): StorePaths {
  const defaults = defaultStorePaths(env, uid);
  const root = overrides.root || env.TPOD_ROOT || defaults.root;
  const runroot = overrides.runroot || env.TPOD_RUNROOT || defaults.runroot;
  for (const [flag, value] of [['--root', root], ['--runroot', runroot]] as const) {
    if (!value.startsWith('/')) throw new InvalidArgumentError(`${flag} must be an absolute path: "${value}"`);
  }
  return { root, runroot, rootless: defaults.rootless };
}
