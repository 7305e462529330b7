/**
 * What a rootless store needs before tpod writes anything, checked once per command that
 * opens the store, so a misconfigured session fails with the fix instead of half-way:
 * a per-user runtime directory (XDG_RUNTIME_DIR, the user's own tmpfs, where the user
 * bus and runtime state live) and a store that belongs to the user.
 */
import { existsSync, statSync } from 'node:fs';
import { PermissionDeniedError, UnavailableError } from '../errors.js';
import type { StorePaths } from '../paths.js';

export interface RootlessCheckInput {
  paths: StorePaths;
  env: NodeJS.ProcessEnv;
  uid: number;
  /** --runroot or TPOD_RUNROOT was given: no XDG_RUNTIME_DIR needed for state. */
  runrootChosen: boolean;
}

export function checkRootlessEnvironment(input: RootlessCheckInput): void {
  const { env, uid } = input;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (!runtimeDir) {
    if (!input.runrootChosen) {
      throw new UnavailableError('XDG_RUNTIME_DIR is not set: rootless tpod keeps runtime state and finds the systemd user manager there', {
        hint: 'log in through a session (pam_systemd sets it), or export XDG_RUNTIME_DIR=/run/user/$(id -u) with `loginctl enable-linger $USER`',
      });
    }
  } else {
    const hint = 'point XDG_RUNTIME_DIR at your own runtime directory (/run/user/$(id -u))';
    if (!existsSync(runtimeDir)) throw new UnavailableError(`XDG_RUNTIME_DIR ${runtimeDir} does not exist`, { hint });
    requireOwnedBy(runtimeDir, uid, 'XDG_RUNTIME_DIR', hint);
  }
  // A store that does not exist yet will be created by, and so belong to, the user.
  if (existsSync(input.paths.root)) requireOwnedBy(input.paths.root, uid, 'the store', 'use --root for a store of your own');
}

function requireOwnedBy(path: string, uid: number, what: string, hint: string): void {
  let owner: number;
  try {
    owner = statSync(path).uid;
  } catch (err) {
    throw new PermissionDeniedError(`cannot check ${what} at ${path}: ${(err as Error).message}`, { hint });
  }
  if (owner !== uid) throw new PermissionDeniedError(`${what} ${path} is owned by uid ${owner}, not by you (uid ${uid})`, { hint });
}
