/**
 * conmon, the per-container monitor of detached containers (Debian's `conmon`, podman's).
 * It is the parent of the container: a subreaper that runs `runtime create`, holds the
 * container's stdio, writes the k8s-file log, writes the exit status to an exit file and
 * then runs tpod's exit command (`tpod container cleanup ID`). Once tpod returns, conmon's
 * parent is systemd: no tpod process stays behind.
 *
 * Handshake (conmon's own protocol): conmon blocks reading _OCI_STARTPIPE before it
 * forks, so tpod can move it into its own scope first; after `runtime create` it writes
 * `{"data": PID}` (or a negative number and a message) to _OCI_SYNCPIPE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { RuntimeError, UnavailableError } from '../errors.js';
import type { ContainerPaths } from '../containers/layout.js';
import type { OciRuntimeCli } from '../runtime/oci-runtime.js';

export const CONMON_PATH = '/usr/bin/conmon';
const SYNC_TIMEOUT_MS = 30_000;

export interface ConmonRequest {
  id: string;
  name: string;
  paths: ContainerPaths;
  runtime: OciRuntimeCli;
  logDriver: 'k8s-file' | 'journald' | 'none';
  tty: boolean;
  stdin: boolean;
  exitCommand: string[];
}

export interface ConmonHandle {
  /** conmon's PID while it waits on the start pipe (the same process then runs on). */
  pid: number;
  /** Lets conmon go on: it forks, runs `runtime create`, and reports the container PID. */
  proceed(): Promise<number>;
  abandon(): void;
}

export async function spawnConmon(request: ConmonRequest): Promise<ConmonHandle> {
  const { paths } = request;
  await mkdir(paths.exitDir, { recursive: true });
  await mkdir(paths.socketDir, { recursive: true });
  let child: ChildProcess;
  try {
    child = spawn(CONMON_PATH, conmonArgs(request), {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
      detached: true,
    });
  } catch (err) {
    throw new UnavailableError(`cannot run conmon at ${CONMON_PATH}: ${(err as Error).message}`, { hint: 'apt-get install conmon' });
  }
  const pid = await spawned(child);
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    pid,
    proceed: async () => {
      start.end('0');
      const report = await readSyncReport(sync, () => stderr);
      child.unref();
      return report;
    },
    abandon: () => {
      child.kill('SIGKILL');
      child.unref();
    },
  };
}

function spawned(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', (err) => reject(new UnavailableError(`cannot run conmon at ${CONMON_PATH}: ${err.message}`, { hint: 'apt-get install conmon' })));
  });
}

function conmonArgs(request: ConmonRequest): string[] {
  const { id, paths, runtime } = request;
  // The runtime's global arguments (and, for a fuse-overlayfs root, nsenter's) before conmon's subcommand.
  const invocation = runtime.command([]);
  const log = request.logDriver === 'journald' ? ['--log-path', 'journald:', '--log-tag', request.name] : ['--log-path', `k8s-file:${paths.log}`];
  return [
    '--api-version', '1',
    '--cid', id,
    '--cuuid', id,
    '--name', request.name,
    '--runtime', invocation.file,
    '--bundle', paths.bundle,
    '--container-pidfile', paths.pidFile,
    '--conmon-pidfile', paths.conmonPidFile,
    '--exit-dir', paths.exitDir,
    '--socket-dir-path', paths.socketDir,
    '--full-attach',
    ...log,
    '--log-level', 'warning',
    '--syslog',
    ...invocation.args.flatMap((arg) => ['--runtime-arg', arg]),
    ...(request.tty ? ['--terminal'] : []),
    ...(request.stdin ? ['--stdin', '--leave-stdin-open'] : []),
    '--exit-command', request.exitCommand[0]!,
    ...request.exitCommand.slice(1).flatMap((arg) => ['--exit-command-arg', arg]),
  ];
}

/** `{"data": 1234}` on success; `{"data": -1, "message": "…"}` when create failed. */
function readSyncReport(sync: Readable, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => fail(`no report from conmon within ${SYNC_TIMEOUT_MS / 1000}s`), SYNC_TIMEOUT_MS);
    const fail = (message: string): void => {
      clearTimeout(timer);
      sync.destroy();
      reject(new RuntimeError(message));
    };
    sync.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.trim().startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      sync.destroy();
      const report = JSON.parse(line) as { data: number; message?: string };
      if (report.data > 0) resolve(report.data);
      else reject(new RuntimeError(cleanRuntimeMessage(report.message ?? `container create failed (${report.data})`)));
    });
    sync.on('end', () => fail(`conmon exited before reporting the container: ${stderr().trim() || 'no message'}`));
  });
}

/** conmon wraps the runtime's stderr: keep the runtime's own last `msg="…"`. */
function cleanRuntimeMessage(message: string): string {
  const msgs = [...message.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\"/g, '"'));
  return msgs.at(-1) ?? message.trim();
}
