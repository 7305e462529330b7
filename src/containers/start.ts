/**
 * Starting a container, two ways (ARCHITECTURE.md, "The parent of the container"):
 *
 * Detached (`run -d`, `start`): conmon is the parent. tpod spawns it, puts it in its own
 * scope, lets it `runtime create`, registers the container's init in `tpod-<id>.scope`
 * with the resource properties, then `runtime start`s it and exits. runc's cgroup is the
 * scope itself.
 *
 * Foreground (`run` without -d): the runtime is tpod's own child, so the terminal is real
 * and the exit status is runc's. A shell waits on a pipe until its PID is in the scope,
 * then execs `runtime run`; the container's cgroup is a child of the scope, because runc
 * itself lives in the scope and cannot remove a cgroup it is in.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine.js';
import { RuntimeError, TpodError } from '../errors.js';
import { detectCgroups } from '../info/cgroups.js';
import { spawnConmon, type ConmonHandle } from '../monitor/conmon.js';
import { jsonLogOptions, lastLoggedError, type OciRuntimeCli } from '../runtime/oci-runtime.js';
import { waitUntil } from '../wait.js';
import { stringProperty, uint64Property } from '../systemd/properties.js';
import { resourceProperties } from '../systemd/resources.js';
import { prepareBundle, type PreparedBundle } from './bundle.js';
import { recordConsoleSize } from './console-size.js';
import { containerScope, monitorScope } from './layout.js';
import { cleanupContainer } from './cleanup.js';
import { journaldSink, k8sFileSink, type LogLineSink, type OutputStream } from './log-lines.js';
import type { ContainerRecord } from './store.js';

const TPOD_BIN = fileURLToPath(new URL('../../../bin/tpod.cjs', import.meta.url));

/** The slice containers go in: machine.slice for root (as podman), the manager's default rootless. */
function slice(engine: Engine): string | undefined {
  return engine.paths.rootless ? undefined : 'machine.slice';
}

/**
 * runc's cgroupsPath: the container scope (its child when runc itself lives there).
 * Rootless: none. The user's manager owns the scope's cgroup and runc cannot create one
 * of its own where nothing is delegated (cgroup v1), so the container stays in the scope.
 */
function scopeCgroupPath(engine: Engine, id: string, child = ''): string | undefined {
  return engine.paths.rootless ? undefined : `/${slice(engine)}/${containerScope(id)}${child}`;
}

/**
 * runc creates the container's cgroup directories under machine.slice itself, and systemd,
 * realizing the slice for another unit at that moment, trims empty directories it does not
 * use in v1 hierarchies: runc then fails "unable to apply cgroup configuration … no such
 * file or directory" (seen with 20 `run -d` at once). Nothing was started; try again.
 */
const CGROUP_RACE = /unable to apply cgroup configuration.*no such file or directory/;
const START_ATTEMPTS = 3;

export async function startDetached(engine: Engine, container: ContainerRecord): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDetachedOnce(engine, container);
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !(err instanceof Error) || !CGROUP_RACE.test(err.message)) throw err;
    }
  }
}

async function startDetachedOnce(engine: Engine, container: ContainerRecord): Promise<void> {
  const { id } = container;
  const paths = engine.containerPaths(id);
  // The last run's exit command must be done before this run mounts anything.
  await releaseMonitorScope(engine, id);
  await forgetPreviousRun(engine, container);
  let monitor: Monitor;
  try {
    // conmon waits on its start pipe until told to go on.
    const prepared = await bundleWhileStarting(engine, container, scopeCgroupPath(engine, id), (holder) => startMonitor(engine, container, holder), (started) => started.conmon.abandon());
    monitor = prepared.started;
  } catch (err) {
    await engine.snapshots(container.config.storageDriver).unmount(id).catch(() => undefined);
    throw err;
  }
  const { conmon, runtime } = monitor;
  try {
    const pid = await conmon.proceed().catch((err: unknown) => {
      throw withExitStatus(err);
    });
    await registerScope(engine, container, pid);
    await runtime.start(id);
    // conmon forks once it may proceed and the first process exits: its child, named in
    // the conmon pid file, is the monitor that stays.
    const monitorPid = (await readPidFile(paths.conmonPidFile)) ?? conmon.pid;
    engine.containers.markRunning(id, 'conmon', pid, monitorPid);
    // --conmon-pidfile (generate systemd's PIDFile=): written before tpod exits, so systemd
    // finds conmon, the process that lives as long as the container, when ExecStart returns.
    if (container.config.conmonPidFile) await writeFile(container.config.conmonPidFile, `${monitorPid}\n`);
  } catch (err) {
    conmon.abandon();
    await runtime.delete(id, true).catch(() => undefined);
    await engine.snapshots(container.config.storageDriver).unmount(id).catch(() => undefined);
    throw err;
  }
}

interface Monitor {
  conmon: ConmonHandle;
  runtime: OciRuntimeCli;
}

type RootHolder = NonNullable<PreparedBundle['holder']>;

/**
 * Writes the bundle while `begin` gets the container's parent ready (spawned, waiting, in its
 * scope): the D-Bus round trips overlap the disk work. Where the root exists only in a
 * holder process's namespaces (fuse-overlayfs), the parent's argv and scope need that
 * holder, so `begin` waits for the bundle. A `begin` that fails cleans up after itself; one
 * that succeeded is undone with `abandon` when the bundle fails.
 */
async function bundleWhileStarting<T>(
  engine: Engine,
  container: ContainerRecord,
  cgroupsPath: string | undefined,
  begin: (holder?: RootHolder) => Promise<T>,
  abandon: (started: T) => void,
): Promise<{ bundle: PreparedBundle; started: T }> {
  const early = engine.snapshots(container.config.storageDriver).rootHeldByProcess ? undefined : begin();
  early?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  try {
    const bundle = await prepareBundle(engine, container, cgroupsPath);
    return { bundle, started: await (early ?? begin(bundle.holder)) };
  } catch (err) {
    const started = await early?.catch(() => undefined);
    if (started !== undefined) abandon(started);
    throw err;
  }
}

/** Spawns conmon, waiting on its start pipe, and puts it (and a root's holder) in its own scope. */
async function startMonitor(engine: Engine, container: ContainerRecord, holder?: RootHolder): Promise<Monitor> {
  const { id } = container;
  const runtime = engine.runtime(container.config.runtime, holder?.enter);
  const systemd = await engine.systemd();
  const conmon = await spawnConmon({
    id,
    name: container.name,
    paths: engine.containerPaths(id),
    runtime,
    logDriver: container.config.logDriver,
    tty: container.config.spec.tty,
    stdin: container.config.spec.stdin,
    exitCommand: [process.execPath, TPOD_BIN, '--root', engine.paths.root, '--runroot', engine.paths.runroot, 'container', 'cleanup', id],
  });
  try {
    if (!monitorStaysInUnit(engine)) {
      // A fuse-overlayfs holder lives as long as the container, as conmon does: systemd owns both.
      const pids = [conmon.pid, ...(holder ? [holder.pid] : [])];
      await systemd.startTransientScope({ name: monitorScope(id), pids, slice: slice(engine), description: `tpod monitor of ${container.name}`, properties: [COLLECT_FAILED] });
    }
  } catch (err) {
    conmon.abandon();
    throw err;
  }
  return { conmon, runtime };
}

/**
 * Started by a generated unit (`tpod generate systemd` sets TPOD_SYSTEMD_UNIT) of a user's
 * manager, conmon stays in the unit's own cgroup: a user manager accepts the unit's PIDFile
 * (conmon's, in the user's runtime directory) only for a process of the unit (systemd:
 * "PID file is not owned by root"). The system manager trusts root's PID file, so as root
 * conmon keeps its own scope.
 */
function monitorStaysInUnit(engine: Engine): boolean {
  return engine.paths.rootless && Boolean(process.env.TPOD_SYSTEMD_UNIT);
}

/**
 * The previous run's conmon may still be in its scope, running its exit command, when a
 * restart comes right after a stop. Give it a moment, then stop the scope: the container
 * it watched has already exited and been recorded.
 */
async function releaseMonitorScope(engine: Engine, id: string): Promise<void> {
  const systemd = await engine.systemd();
  const ended = async (): Promise<boolean> => {
    const state = await systemd.getUnitState(monitorScope(id));
    return !state || state.activeState === 'inactive' || state.activeState === 'failed';
  };
  if (!(await waitUntil(ended, 2_000, 50))) await systemd.stopUnit(monitorScope(id));
}

/** A restart must not see the last run's exit file, runtime log or state (or a killed start's). */
async function forgetPreviousRun(engine: Engine, container: ContainerRecord): Promise<void> {
  const paths = engine.containerPaths(container.id);
  await Promise.all([rm(paths.exitFile, { force: true }), rm(paths.runtimeLog, { force: true })]);
  await engine.containerRuntime(container).delete(container.id, true);
}

/**
 * A scope that failed (killed after its stop timeout by `systemctl stop`) would stay loaded
 * as failed, and its name could not be started again by the next `tpod start`: let
 * systemd unload it as soon as it is inactive or failed (systemd-run --collect).
 */
const COLLECT_FAILED = stringProperty('CollectMode', 'inactive-or-failed');

async function readPidFile(path: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  return Number.isNaN(pid) || pid <= 0 ? undefined : pid;
}

/**
 * In the foreground the runtime itself (runc, with its Go threads) lives in the scope, so
 * TasksMax on the scope would starve runc, not the container; there the limit is left to
 * the runtime, which sets it from the spec on the container's own child cgroup.
 */
async function registerScope(engine: Engine, container: ContainerRecord, pid: number, foreground = false, helperPids: number[] = []): Promise<void> {
  const systemd = await engine.systemd();
  const properties = [
    ...resourceProperties(container.config.spec.resources, detectCgroups().version === 'v2'),
    // `systemctl stop` of the scope waits the container's stop timeout before SIGKILL, as
    // `tpod stop` does, not systemd's 90 s (a PID 1 without a TERM handler ignores TERM).
    // 0 would mean "no timeout" to systemd, so --stop-timeout 0 becomes 1 µs.
    uint64Property('TimeoutStopUSec', BigInt(Math.max(1, container.config.stopTimeout * 1_000_000))),
    COLLECT_FAILED,
  ];
  await systemd.startTransientScope({
    name: containerScope(container.id),
    pids: [pid, ...helperPids],
    slice: slice(engine),
    description: `tpod container ${container.name} (${container.id.slice(0, 12)})`,
    delegate: true,
    properties: foreground ? properties.filter((property) => property[0] !== 'TasksMax') : properties,
  });
}

export interface ForegroundIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Runs the container attached to this process; resolves to its exit status. */
export async function runForeground(engine: Engine, container: ContainerRecord, io: ForegroundIo): Promise<number> {
  const { id } = container;
  const paths = engine.containerPaths(id);
  await forgetPreviousRun(engine, container);
  mkdirSync(paths.exitDir, { recursive: true, mode: 0o700 });
  const kill = (shell: ForegroundShell): void => void shell.child.kill('SIGKILL');
  const { bundle, started: shell } = await bundleWhileStarting(engine, container, scopeCgroupPath(engine, id, '/container'), (holder) => startForegroundShell(engine, container, holder), kill);
  if (container.config.spec.tty) {
    await recordConsoleSize(bundle, process.stdout).catch((err: unknown) => {
      kill(shell);
      throw err;
    });
  }
  return superviseForeground(engine, container, io, shell);
}

interface ForegroundShell {
  child: ChildProcess;
  runtime: OciRuntimeCli;
}

/**
 * Spawns the shell that will run the runtime (FOREGROUND_SCRIPT), waiting on its pipe, and
 * puts it in the container's scope. With a terminal, runc keeps the user's
 * terminal as its stdin (raw mode, window size) and relays the container's terminal to its
 * stdout: that comes through tpod, which logs it as conmon logs a terminal (every line on
 * stdout, carriage returns kept); runc's stderr is then runc's own, passed on unlogged.
 */
async function startForegroundShell(engine: Engine, container: ContainerRecord, holder?: RootHolder): Promise<ForegroundShell> {
  const paths = engine.containerPaths(container.id);
  const tty = container.config.spec.tty;
  const runtime = engine.runtime(container.config.runtime, holder?.enter);
  // runc's own messages go to a log of their own, so the container's stderr carries only the
  // container's output and a runtime failure becomes one line of tpod's (runtimeFailure).
  const run = runtime.command(['run', '--bundle', paths.bundle, container.id], jsonLogOptions(paths.runtimeLog));
  const child = spawn('/bin/sh', ['-c', FOREGROUND_SCRIPT, paths.exitFile, run.file, ...run.args], {
    stdio: [container.config.spec.stdin || tty ? 'inherit' : 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  try {
    // A fuse-overlayfs holder goes with the container, as runc does in the foreground.
    await registerScope(engine, container, child.pid!, true, holder ? [holder.pid] : []);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { child, runtime };
}

/** Lets the scoped shell run the container, copies its output through, and records the exit. */
async function superviseForeground(engine: Engine, container: ContainerRecord, io: ForegroundIo, shell: ForegroundShell): Promise<number> {
  const { id } = container;
  const { child, runtime } = shell;
  const paths = engine.containerPaths(id);
  const tty = container.config.spec.tty;
  mkdirSync(paths.dir, { recursive: true });
  const log = logLineSink(container, paths.log, io);
  const runtimeFailurePrefix = `${runtime.runtime.name} run failed: `;
  const streams = [
    copyStream(child.stdout!, io.stdout, 'stdout', log),
    // With a terminal the container writes to it, so stderr is only runc's: not logged.
    copyStream(child.stderr!, io.stderr, 'stderr', tty ? undefined : log, (text) => text.startsWith(runtimeFailurePrefix)),
  ];
  // After the runtime exits its pipes end at once (the container's PID namespace is gone);
  // a process that escaped with them open must not keep tpod waiting.
  const ended = Promise.race([Promise.all(streams.map((copy) => copy.ended)), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  const exited = new Promise<number>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? 128 + signalNumber(child.signalCode));
    else child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
  const forward = forwardSignals(runtime, id, tty);
  // The status recorded for the container: the container's, or podman's 126/127 when the
  // runtime could not start it at all (runc itself exits 1 then).
  let recordedCode: number | undefined;
  try {
    (child.stdio[3] as NodeJS.WritableStream).end('go\n');
    engine.containers.markRunning(id, 'foreground', child.pid!, process.pid);
    const code = await exited;
    const failure = code === 0 ? undefined : await runtimeFailure(paths.runtimeLog);
    if (failure) {
      recordedCode = failure.exitCode;
      throw failure;
    }
    return code;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    forward.stop();
    const code = await exited;
    await ended;
    // Text withheld as the runtime's failure is dropped only if that is what it was.
    for (const copy of streams) copy.settle(recordedCode === undefined);
    await log?.close();
    await cleanupContainer(engine, id, { exitCode: recordedCode ?? code });
  }
}

/**
 * The shell that becomes the foreground container's parent: it waits until tpod has put it
 * in the scope, runs the runtime, and writes the runtime's status to the exit file ($0),
 * as conmon does for detached containers, so the status is known even when tpod itself is
 * killed meanwhile (the next command reads it). Signals sent to the scope (systemctl stop)
 * must not end the shell before it has written the status: a trap (not an ignore, which
 * runc would inherit) defers them until the runtime has exited. The status is written in
 * place, without a temporary file and `mv` (one process less on every foreground run,
 * ~10 ms): it is one write of a few bytes, and a reader that finds the file empty (the
 * shell killed between open and write) records the status as unknown, which it then is.
 */
const FOREGROUND_SCRIPT = [
  'trap : INT TERM HUP QUIT',
  'read _ <&3 || exit 125',
  '"$@"',
  'status=$?',
  'echo "$status" > "$0"',
  'exit "$status"',
].join('\n');

/** The log driver's line sink for a foreground container without a terminal (none: no log). */
function logLineSink(container: ContainerRecord, logPath: string, io: ForegroundIo): LogLineSink | undefined {
  if (container.config.logDriver === 'k8s-file') return k8sFileSink(logPath);
  if (container.config.logDriver === 'journald') return journaldSink(container, (message) => io.stderr.write(`Warning: ${message}\n`));
  return undefined;
}

interface CopiedStream {
  /** The end of the stream. */
  ended: Promise<void>;
  /** Writes through (`keep`) or drops the last chunk, if `withhold` kept it back. */
  settle(keep: boolean): void;
}

/**
 * Writes each chunk through, and each line to the log. A chunk `withhold` picks waits for
 * `settle()`: runc prints its failure on the container's stderr (which is its own) as well
 * as in its log, in one write just before it exits, and tpod's error line says it once.
 * Anything arriving after such a chunk shows it was the container's: both go through.
 */
function copyStream(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, stream: OutputStream, log?: LogLineSink, withhold?: (text: string) => boolean): CopiedStream {
  let pending = '';
  let held: Buffer | undefined;
  let atEnd = false;
  const pass = (chunk: Buffer): void => {
    to.write(chunk);
    if (!log) return;
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    if (lines.length) log.write(stream, lines, false);
  };
  const flushLastLine = (): void => {
    if (log && pending) log.write(stream, [pending], true);
    pending = '';
  };
  from.on('data', (chunk: Buffer) => {
    if (held) pass(held);
    held = withhold?.(chunk.toString()) ? chunk : undefined;
    if (!held) pass(chunk);
  });
  const ended = new Promise<void>((resolve) => {
    from.on('end', () => {
      atEnd = true;
      if (!held) flushLastLine();
      resolve();
    });
  });
  const settle = (keep: boolean): void => {
    if (held && keep) pass(held);
    held = undefined;
    if (atEnd) flushLastLine();
  };
  return { ended, settle };
}

/** Without a terminal, Ctrl-C and `kill` reach tpod: pass them on to the container. */
function forwardSignals(runtime: OciRuntimeCli, id: string, tty: boolean): { stop(): void } {
  const signals: NodeJS.Signals[] = tty ? ['SIGTERM', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  const handler = (signal: NodeJS.Signals): void => {
    try {
      const kill = runtime.command(['kill', id, signal.replace(/^SIG/, '')]);
      execFileSync(kill.file, kill.args, { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  for (const signal of signals) process.on(signal, handler);
  return { stop: () => signals.forEach((signal) => process.off(signal, handler)) };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return signal ? (numbers[signal] ?? 0) : 0;
}

/**
 * Why the runtime could not run the container, from its `--log`: undefined when it logged
 * no error, i.e. the container ran and its own status stands. As podman: 127 for a command
 * not found, 126 for one that cannot be executed and for any other failure of the runtime.
 */
async function runtimeFailure(logFile: string): Promise<TpodError | undefined> {
  const message = lastLoggedError(await readFile(logFile, 'utf8').catch(() => ''));
  if (message === undefined) return undefined;
  const failure = withExitStatus(new RuntimeError(message, { exitCode: 126 }));
  return failure instanceof TpodError ? failure : undefined;
}

/** Podman's statuses for a command that cannot run: 127 not found, 126 not executable. */
export function withExitStatus(err: unknown): unknown {
  if (!(err instanceof TpodError)) return err;
  const message = err.message;
  // Only about the command to exec: runc's other errors mention missing files too.
  if (/executable file not found|exec\b.*no such file or directory/i.test(message)) {
    return new RuntimeError(`${message}: OCI runtime attempted to invoke a command that was not found`, { exitCode: 127 });
  }
  if (/exec\b.*permission denied/i.test(message)) {
    return new RuntimeError(`${message}: OCI runtime permission denied error`, { exitCode: 126 });
  }
  return err;
}
