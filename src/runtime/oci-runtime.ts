/**
 * The OCI runtime (runc, crun) invoked once per operation: start, kill, delete, state,
 * pause, resume, exec. Its state lives under `<runroot>/<runtime>` so every tpod process
 * (and conmon, which runs `create`) sees the same containers. Failures become
 * RuntimeError carrying the runtime's own message (runc logs `msg="…"` on stderr).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, RuntimeError } from '../errors.js';
import type { OciRuntime } from './locate.js';

export interface RuntimeState {
  id: string;
  pid: number;
  /** creating, created, running, paused, stopped */
  status: string;
  bundle: string;
}

export class OciRuntimeCli {
  /** The runtime's --root: where it keeps container state. */
  readonly stateDir: string;

  /**
   * `entry`: an argv prefix the runtime runs under (nsenter into the namespaces that hold a
   * rootless fuse-overlayfs mount), or none.
   */
  constructor(
    readonly runtime: OciRuntime,
    runroot: string,
    private readonly entry: readonly string[] = [],
  ) {
    this.stateDir = join(runroot, runtime.name);
  }

  /** Global arguments every invocation starts with (conmon passes them through too). */
  get globalArgs(): string[] {
    return ['--root', this.stateDir];
  }

  /**
   * The program and arguments of one invocation: `leading` are runtime options before the
   * global ones (`--log`), `args` the operation. What conmon is given as its runtime too.
   */
  command(args: readonly string[], leading: readonly string[] = []): { file: string; args: string[] } {
    const runtimeArgs = [...leading, ...this.globalArgs, ...args];
    if (this.entry.length === 0) return { file: this.runtime.path, args: runtimeArgs };
    return { file: this.entry[0]!, args: [...this.entry.slice(1), this.runtime.path, ...runtimeArgs] };
  }

  async start(id: string): Promise<void> {
    await this.run(['start', id], `starting container ${id}`);
  }

  async kill(id: string, signal: string | number, all = false): Promise<void> {
    await this.run(['kill', ...(all ? ['--all'] : []), id, String(signal)], `sending signal ${signal} to container ${id}`);
  }

  async delete(id: string, force = false): Promise<void> {
    // No state directory: the runtime does not know the container (never created, or
    // `runc run` already deleted it). Saves a process spawn on every run --rm.
    if (!existsSync(join(this.stateDir, id))) return;
    try {
      await this.run(['delete', ...(force ? ['--force'] : []), id], `deleting container ${id}`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id], `pausing container ${id}`);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id], `resuming container ${id}`);
  }

  /** The runtime's view, or undefined when it no longer knows the container. */
  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      return JSON.parse(await this.run(['state', id], `reading state of container ${id}`)) as RuntimeState;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  private run(args: string[], what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const command = this.command(args);
      execFile(command.file, command.args, { timeout: 60_000 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(runtimeFailure(this.runtime.name, what, stderr || err.message));
      });
    });
  }
}

/** runc: `time="…" level=error msg="container does not exist"`; crun: `crun: … ` lines. */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const messages = lines.map((line) => /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\"/g, '"') ?? line.replace(/^\w+: /, ''));
  return messages.at(-1) ?? stderr.trim();
}

/**
 * The last error in a runtime's `--log` written with `--log-format json` (runc and crun: a
 * JSON line {"level":"error","msg":"…"} per message), or undefined when it logged none.
 */
export function lastLoggedError(logText: string): string | undefined {
  const errors = logText.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      return entry.level === 'error' && typeof entry.msg === 'string' ? [entry.msg] : [];
    } catch {
      return [];
    }
  });
  return errors.at(-1);
}

/** The options that send the runtime's own messages to `file` as JSON lines (lastLoggedError). */
export function jsonLogOptions(file: string): string[] {
  return ['--log', file, '--log-format', 'json'];
}

function runtimeFailure(name: string, what: string, stderr: string): Error {
  const message = runtimeMessage(stderr);
  if (/does not exist|not found|no such file/i.test(message) && /container/i.test(message)) {
    return new NotFoundError(`${name}: ${what}: ${message}`);
  }
  return new RuntimeError(`${name}: ${what}: ${message}`);
}
