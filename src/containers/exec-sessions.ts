/**
 * Exec sessions as podman shows them: `exec -d` prints the new session's ID, and inspect
 * lists the sessions still running (ExecIDs). A session is a file in the container's
 * volatile directory, `<runroot>/containers/<id>/exec-sessions/<session id>`, holding the
 * PID and start time of what keeps it alive: the exec'd process itself for `exec -d`
 * (runc's --pid-file), the `tpod exec` process for an attached one, which lasts exactly
 * as long as its command. A session whose process is gone is no longer listed; its file
 * is dropped then, and the directory goes with the container's (rm) and at reboot.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../process-identity.js';
import { randomBytes } from '../random.js';
import type { ContainerPaths } from './layout.js';

const SESSION_ID = /^[0-9a-f]{64}$/;

interface SessionFile {
  pid: number;
  startTime: string;
}

/** A new session ID: 64 hex digits, as podman's. */
export function newExecSessionId(): string {
  return randomBytes(32).toString('hex');
}

/** Records session `id` as alive while process `pid` (the one running now) lives. */
export function recordExecSession(paths: ContainerPaths, id: string, pid: number): void {
  const startTime = processStartTime(pid);
  if (startTime === undefined) return; // already gone: nothing to list
  mkdirSync(sessionsDir(paths), { recursive: true, mode: 0o700 });
  const session: SessionFile = { pid, startTime };
  writeFileSync(join(sessionsDir(paths), id), JSON.stringify(session));
}

export function forgetExecSession(paths: ContainerPaths, id: string): void {
  rmSync(join(sessionsDir(paths), id), { force: true });
}

/** The IDs of the container's sessions whose process still runs, oldest first. */
export function liveExecSessions(paths: ContainerPaths): string[] {
  let names: string[];
  try {
    names = readdirSync(sessionsDir(paths)).filter((name) => SESSION_ID.test(name));
  } catch {
    return [];
  }
  const live: { id: string; since: number }[] = [];
  for (const id of names) {
    const path = join(sessionsDir(paths), id);
    try {
      const session = JSON.parse(readFileSync(path, 'utf8')) as SessionFile;
      if (processStartTime(session.pid) === session.startTime) live.push({ id, since: statSync(path).mtimeMs });
      else rmSync(path, { force: true });
    } catch {
      // Half-written by an exec killed meanwhile, or just removed: not a live session.
    }
  }
  return live.sort((a, b) => a.since - b.since).map((session) => session.id);
}

function sessionsDir(paths: ContainerPaths): string {
  return join(paths.run, 'exec-sessions');
}
