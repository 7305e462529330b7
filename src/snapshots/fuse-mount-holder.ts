/**
 * The process that holds a rootless container's fuse-overlayfs mount: fuse-overlayfs itself,
 * started by util-linux `unshare` in a new user namespace (the user's mapping) and a new
 * mount namespace, in the foreground (`-f`), so its PID is the one tpod spawned. The mount
 * exists only in that mount namespace; the runtime is run inside both namespaces
 * (`nsenter --user --mount -t PID`), as podman runs it inside its pause process's.
 * Ending the process (SIGTERM) unmounts and frees both namespaces: nothing is left on the
 * host, even after a kill -9.
 *
 * The holder is identified by PID and its start time (`/proc/PID/stat` field 22), written
 * to the snapshot's directory, so a recycled PID (or a reboot) is never taken for it and
 * tpod only ever signals the process it started.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processStartTime } from '../process-identity.js';
import { waitUntil } from '../wait.js';
import { PermissionDeniedError, RuntimeError, UnavailableError } from '../errors.js';
import type { UserIdMapping } from '../rootless/id-ranges.js';
import { userNamespaceArgs } from '../rootless/user-namespace.js';
import type { SnapshotLayout } from './layout.js';

export const FUSE_OVERLAYFS = '/usr/bin/fuse-overlayfs';
const NSENTER = '/usr/bin/nsenter';
const HOLDER_FILE = 'fuse-overlayfs.pid';
const LOG_FILE = 'fuse-overlayfs.log';
const MOUNT_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 5_000;
const POLL_MS = 2;

export interface MountHolder {
  pid: number;
  /** Clock ticks after boot the process started: with the PID, its identity. */
  startTime: string;
}

/** The argv prefix that runs a command in the holder's user and mount namespaces, as their root. */
export function enterHolderArgs(holder: MountHolder): string[] {
  return [NSENTER, '--user', '--mount', '--target', String(holder.pid), '--'];
}

/** The live holder recorded for this snapshot, or undefined (none, exited, or PID reused). */
export function liveHolder(layout: SnapshotLayout): MountHolder | undefined {
  let text: string;
  try {
    text = readFileSync(join(layout.dir, HOLDER_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const [pid, startTime] = text.trim().split(' ');
  const holder = { pid: Number(pid), startTime: startTime ?? '' };
  if (!Number.isSafeInteger(holder.pid) || holder.pid <= 0) return undefined;
  return processStartTime(holder.pid) === holder.startTime ? holder : undefined;
}

/**
 * Starts fuse-overlayfs on `layout.merged` in new namespaces and waits until the mount is
 * there. `mountData` is overlay's `lowerdir=…,upperdir=…,workdir=…`. The holder is
 * recorded as soon as it exists, so a tpod killed while it mounts leaves one that the
 * next unmount or rm finds and stops.
 */
export async function startMountHolder(layout: SnapshotLayout, mapping: UserIdMapping, mountData: string): Promise<MountHolder> {
  const existing = liveHolder(layout);
  if (existing) return existing;
  const [command, ...args] = [...userNamespaceArgs(mapping, { mount: true }), FUSE_OVERLAYFS, '-f', '-o', mountData, layout.merged];
  const logPath = join(layout.dir, LOG_FILE);
  const log = openSync(logPath, 'w', 0o600);
  // Its own session and no stdio of tpod's: it outlives this command and must not get the
  // terminal's signals, nor keep a caller's pipe open.
  const child = spawn(command!, args, { detached: true, stdio: ['ignore', 'ignore', log] });
  closeSync(log);
  child.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) throw new UnavailableError('unshare not found: rootless fuse-overlayfs mounts need it', { hint: 'install the Debian package util-linux' });
  const pid = child.pid!;
  // unshare execs fuse-overlayfs: the PID and its start time stay the same.
  const holder = { pid, startTime: processStartTime(pid) ?? '' };
  await writeFile(join(layout.dir, HOLDER_FILE), `${holder.pid} ${holder.startTime}\n`, { mode: 0o600 });
  if (!(await waitForMount(pid, layout.merged, exited))) {
    child.kill('SIGKILL');
    await rm(join(layout.dir, HOLDER_FILE), { force: true });
    throw mountFailure(await readFile(logPath, 'utf8').catch(() => ''), layout.id);
  }
  return holder;
}

/** Ends the holder (which unmounts) and waits until it has gone; none is fine. */
export async function stopMountHolder(layout: SnapshotLayout): Promise<boolean> {
  const holder = liveHolder(layout);
  if (holder) {
    try {
      process.kill(holder.pid, 'SIGTERM');
    } catch {
      // exited meanwhile
    }
    if (!(await waitUntil(() => !isRunning(holder), EXIT_TIMEOUT_MS, POLL_MS))) {
      // A FUSE daemon that does not end on TERM is stuck in a request: its mount goes
      // with its namespace either way.
      if (isRunning(holder)) process.kill(holder.pid, 'SIGKILL');
    }
  }
  await rm(join(layout.dir, HOLDER_FILE), { force: true });
  return holder !== undefined;
}

/** The mount appears in the holder's own mount table (/proc/PID/mountinfo) once it is made. */
async function waitForMount(pid: number, mountPoint: string, exited: Promise<number | null>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const table = `/proc/${pid}/mountinfo`;
  return waitUntil(() => {
    if (gone) return true;
    try {
      return readFileSync(table, 'utf8').split('\n').some((line) => isFuseMountAt(line, mountPoint));
    } catch {
      return false;
    }
  }, MOUNT_TIMEOUT_MS, POLL_MS).then((done) => done && !gone);
}

function isFuseMountAt(line: string, mountPoint: string): boolean {
  const fields = line.split(' ');
  const separator = fields.indexOf('-');
  return fields[4] === mountPoint && (fields[separator + 1] ?? '').startsWith('fuse');
}


function isRunning(holder: MountHolder): boolean {
  return processStartTime(holder.pid) === holder.startTime;
}

/** fuse-overlayfs's and libfuse's last words as one line, with the usual fixes. */
function mountFailure(log: string, containerId: string): Error {
  const lines = log.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('unknown argument ignored'));
  const last = lines.at(-1) ?? 'it exited without a message';
  const what = `cannot mount the filesystem of container ${containerId} with fuse-overlayfs`;
  if (/\/dev\/fuse/.test(log) && /permission denied|operation not permitted/i.test(log)) {
    return new PermissionDeniedError(`${what}: ${last}`, { hint: 'the user must be able to open /dev/fuse (mode 0666, as Debian\'s udev rules set it)' });
  }
  if (/\/dev\/fuse/.test(log) && /no such|not found/i.test(log)) {
    return new UnavailableError(`${what}: ${last}`, { hint: 'load the fuse kernel module (modprobe fuse)' });
  }
  return new RuntimeError(`${what}: ${last}`);
}
