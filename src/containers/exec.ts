/**
 * `tpod exec`: `runc exec` as tpod's child, in the container's namespaces and cgroup, with
 * the container's process settings (capabilities, seccomp, no-new-privileges) as the base,
 * so an exec'd shell can do no more than the container. Its exit status is tpod's, with
 * podman's 126/127 when the command cannot run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from '../random.js';
import { forgetExecSession, newExecSessionId, recordExecSession } from './exec-sessions.js';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import type { OciRuntimeCli } from '../runtime/oci-runtime.js';
import { ConflictError, RuntimeError } from '../errors.js';
import { CONFIG_FILE, resolveUser } from '../spec/index.js';
import type { Process, RuntimeSpec } from '../spec/types.js';
import { withExitStatus } from './start.js';
import type { ContainerRecord } from './store.js';
import { syncContainer } from './sync.js';

export interface ExecRequest {
  command: string[];
  env: string[];
  user?: string | undefined;
  workdir?: string | undefined;
  tty: boolean;
  interactive: boolean;
  detach: boolean;
  privileged?: boolean;
}

export interface ExecOutcome {
  /** The exit status of the command (attached), or 0 once it started (detached). */
  code: number;
  /** podman's exec session ID, which `exec -d` prints. */
  sessionId: string;
}

export async function execInContainer(engine: Engine, nameOrId: string, request: ExecRequest): Promise<ExecOutcome> {
  const container = (await syncContainer(engine, engine.containers.get(nameOrId))) ?? engine.containers.get(nameOrId);
  if (container.state !== 'running') {
    throw new ConflictError(`can only create exec sessions on running containers: container state improper`);
  }
  const runtime = engine.containerRuntime(container);
  const paths = engine.containerPaths(container.id);
  const execProcess = await processForExec(engine, container, request);
  mkdirSync(paths.run, { recursive: true });
  const sessionId = newExecSessionId();
  const processFile = join(paths.run, `exec-${sessionId.slice(0, 12)}.json`);
  writeFileSync(processFile, JSON.stringify(execProcess));
  try {
    if (request.detach) {
      const pidFile = join(paths.run, `exec-${sessionId.slice(0, 12)}.pid`);
      try {
        await execDetached(runtime, ['exec', '--process', processFile, '--detach', '--pid-file', pidFile, container.id], paths.run);
        const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
        if (pid > 0) recordExecSession(paths, sessionId, pid);
      } finally {
        rmSync(pidFile, { force: true });
      }
      return { code: 0, sessionId };
    }
    // Attached, the session lives exactly as long as this process.
    recordExecSession(paths, sessionId, process.pid);
    try {
      return { code: await execAttached(runtime.command(['exec', '--process', processFile, container.id]), request), sessionId };
    } finally {
      forgetExecSession(paths, sessionId);
    }
  } finally {
    rmSync(processFile, { force: true });
  }
}

/**
 * The exec'd process as runc takes it (`--process`): the container's own process settings
 * with the command, extra env, cwd and user of the request, and on a terminal its size, so
 * the command never sees a 0x0 terminal before runc's first resize (as `run -it`).
 */
async function processForExec(engine: Engine, container: ContainerRecord, request: ExecRequest): Promise<Process> {
  const spec = JSON.parse(readFileSync(join(engine.containerPaths(container.id).bundle, CONFIG_FILE), 'utf8')) as RuntimeSpec;
  const { consoleSize: _startSize, ...base } = spec.process;
  const execProcess: Process = { ...base, terminal: request.tty, args: request.command, env: [...base.env, ...request.env], cwd: request.workdir ?? base.cwd };
  if (request.user) {
    const root = await engine.snapshots(container.config.storageDriver).runtimeRoot(container.id);
    const user = await resolveUser(root.readFile ?? root.path, request.user);
    execProcess.user = { ...base.user, uid: user.uid, gid: user.gid, additionalGids: user.additionalGids };
  }
  if (request.tty && process.stdout.isTTY) {
    const [width, height] = process.stdout.getWindowSize();
    if (width && height) execProcess.consoleSize = { height, width };
  }
  return execProcess;
}

async function execAttached(command: { file: string; args: string[] }, request: ExecRequest): Promise<number> {
  const child = spawn(command.file, command.args, {
    stdio: [request.interactive || request.tty ? 'inherit' : 'ignore', request.tty ? 'inherit' : 'pipe', request.tty ? 'inherit' : 'pipe'],
  });
  let stderrText = '';
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrText += chunk.toString();
    if (!/level=(error|fatal)/.test(chunk.toString())) process.stderr.write(chunk);
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => resolve(status ?? (signal === 'SIGKILL' ? 137 : 128)));
  });
  const failure = /msg="((?:[^"\\]|\\.)*)"/.exec(stderrText)?.[1]?.replace(/\\"/g, '"');
  if (code !== 0 && failure) throw withExitStatus(new RuntimeError(failure));
  return code;
}

/**
 * `exec -d`: the process must not hold tpod's pipes (runc passes its own stdio on, so tpod
 * would wait for the process to close them), so all three are /dev/null, as podman's
 * detached sessions; runc's own errors go to a JSON log file read once it returns.
 */
async function execDetached(runtime: OciRuntimeCli, args: string[], runDir: string): Promise<number> {
  const log = join(runDir, `exec-${randomBytes(6).toString('hex')}.log`);
  try {
    const command = runtime.command(args, ['--log', log, '--log-format', 'json']);
    const child = spawn(command.file, command.args, { stdio: 'ignore' });
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (status) => resolve(status ?? 128));
    });
    if (code === 0) return 0;
    const messages = readFileSync(log, 'utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          return [(JSON.parse(line) as { level?: string; msg?: string })].filter((entry) => entry.level === 'error' && entry.msg);
        } catch {
          return [];
        }
      });
    throw withExitStatus(new RuntimeError(messages.at(-1)?.msg ?? `${runtime.runtime.name} exec exited with status ${code}`));
  } finally {
    rmSync(log, { force: true });
  }
}
