/**
 * Running a command as root of a user namespace with the user's mapping: what a rootless
 * user needs wherever files must carry container ids (unpacking layers, removing a
 * container's writes owned by subordinate ids, `tpod unshare`). util-linux `unshare`
 * creates the namespace and has newuidmap/newgidmap (setuid, Debian `uidmap`) write the
 * subordinate ranges, which an unprivileged process cannot write itself.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { PermissionDeniedError, RuntimeError, UnavailableError } from '../errors.js';
import type { UserIdMapping } from './id-ranges.js';

export interface UserNamespaceOptions {
  /** Also a private mount namespace (mounts made inside vanish with the command). */
  mount?: boolean;
}

/** `unshare …` up to and including `--`; the command to run follows. */
export function userNamespaceArgs(mapping: UserIdMapping, options: UserNamespaceOptions = {}): string[] {
  const args = ['unshare', '--map-root-user'];
  const uidRange = mapping.uidMappings[1];
  const gidRange = mapping.gidMappings[1];
  if (uidRange && gidRange) {
    requireIdMapTools();
    args.push(`--map-users=${uidRange.hostID},${uidRange.containerID},${uidRange.size}`);
    args.push(`--map-groups=${gidRange.hostID},${gidRange.containerID},${gidRange.size}`);
  }
  if (options.mount) args.push('--mount', '--propagation', 'private');
  args.push('--');
  return args;
}

/** newuidmap and newgidmap must be on PATH: unshare and runc both look for them there. */
export function requireIdMapTools(path = process.env.PATH ?? '/usr/bin:/bin'): void {
  for (const tool of ['newuidmap', 'newgidmap']) {
    if (!onPath(tool, path)) {
      throw new UnavailableError(`${tool} not found: rootless containers map subordinate ids with it`, {
        hint: 'install the Debian package uidmap',
      });
    }
  }
}

function onPath(tool: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', tool), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface UserNamespaceResult {
  /** Exit status (128 + signal number when killed). */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs argv inside a new user namespace and reports how it ended. */
export function execInUserNamespace(mapping: UserIdMapping, argv: readonly string[], what: string, options: UserNamespaceOptions = {}): Promise<UserNamespaceResult> {
  const [command, ...args] = [...userNamespaceArgs(mapping, options), ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (cause) => reject(unshareSpawnError(cause, what)));
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const mappingFailure = code !== 0 ? idMappingFailure(stderr, what) : undefined;
      if (mappingFailure) reject(mappingFailure);
      else resolve({ code: exitStatus(code, signal), stdout, stderr });
    });
  });
}

/** Why `unshare` could not be started: missing, or the spawn's own error. */
export function unshareSpawnError(cause: Error, what: string): Error {
  const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
  return missing ? new UnavailableError(`unshare not found while ${what}`, { hint: 'install the Debian package util-linux', cause }) : cause;
}

/** A failed namespace set-up, told by newuidmap/newgidmap's words on stderr; else undefined. */
export function idMappingFailure(stderr: string, what: string): PermissionDeniedError | undefined {
  if (!/newuidmap|newgidmap|uid_map|gid_map/.test(stderr)) return undefined;
  const last = stderr.trim().split('\n').at(-1);
  return new PermissionDeniedError(`cannot map subordinate ids while ${what}: ${last}`, { hint: 'check /etc/subuid and /etc/subgid for this user' });
}

/** execInUserNamespace that rejects, with the command's last error line, unless it exits 0. */
export async function runInUserNamespace(mapping: UserIdMapping, argv: readonly string[], what: string, options: UserNamespaceOptions = {}): Promise<UserNamespaceResult> {
  const result = await execInUserNamespace(mapping, argv, what, options);
  if (result.code !== 0) throw commandFailure(what, result);
  return result;
}

/** A failed command as a one-line error: its last stderr line, else its exit status. */
export function commandFailure(what: string, result: UserNamespaceResult): RuntimeError {
  return new RuntimeError(`${what}: ${result.stderr.trim().split('\n').at(-1) || `exit status ${result.code}`}`);
}

/** An exit status as a shell reports it: 128 + the signal's number when killed. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? (constants.signals as Record<string, number>)[signal] ?? 0 : 0);
}
