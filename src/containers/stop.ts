/**
 * `tpod stop`: the stop signal (the container's --stop-signal, the image's StopSignal, or
 * SIGTERM), then SIGKILL to every process after the timeout, as podman (default 10 s).
 * PID 1 in a container ignores signals it has no handler for, so `sleep` needs the KILL.
 */
import type { Engine } from '../engine.js';
import { ConflictError } from '../errors.js';
import { log } from '../log.js';
import { processStartTime } from '../process-identity.js';
import { waitUntil } from '../wait.js';
import { cleanupContainer, readExitFile } from './cleanup.js';
import { syncContainer, processAlive } from './sync.js';
import type { ContainerRecord } from './store.js';

/**
 * How often a stop looks for the exit: 25 ms where the look is a `runc state` (a foreground
 * container), 5 ms where it is a stat of conmon's exit file and a kill(pid, 0) (~20 µs),
 * so `rm -f` is not kept waiting by the poll.
 */
const RUNTIME_POLL_MS = 25;
const FILE_POLL_MS = 5;

function pollMs(container: ContainerRecord): number {
  return container.monitor === 'conmon' ? FILE_POLL_MS : RUNTIME_POLL_MS;
}

export async function stopContainer(engine: Engine, nameOrId: string, timeoutSeconds?: number): Promise<ContainerRecord> {
  const container = await syncContainer(engine, engine.containers.get(nameOrId));
  if (!container || (container.state !== 'running' && container.state !== 'paused')) return container ?? engine.containers.get(nameOrId);
  const runtime = engine.containerRuntime(container);
  const timeout = timeoutSeconds ?? container.config.stopTimeout;
  const signal = container.config.stopSignal ?? engine.images.find(container.imageId)?.config.config?.StopSignal ?? 'SIGTERM';
  if (container.state === 'paused') await runtime.resume(container.id).catch(() => undefined);
  if (timeout > 0) {
    await runtime.kill(container.id, signal.replace(/^SIG/, '')).catch(() => undefined);
    if (await waitForExit(engine, container, timeout * 1000)) return finish(engine, container);
    log.warn(`StopSignal ${signal} failed to stop container ${container.name} in ${timeout} seconds, resorting to SIGKILL`);
  }
  // SIGKILL to init ends its whole PID namespace. (runc 1.1's `kill --all` returned 0 yet
  // signalled nothing on this hybrid cgroup layout, so it is not used.)
  await runtime.kill(container.id, 'KILL').catch(() => undefined);
  if (!(await waitForExit(engine, container, 10_000))) {
    throw new ConflictError(`container ${container.name} did not exit after SIGKILL`);
  }
  return finish(engine, container);
}

async function finish(engine: Engine, container: ContainerRecord): Promise<ContainerRecord> {
  if (container.monitor === 'foreground' && processAlive(container.monitorPid)) {
    // The foreground tpod records the status; wait for it briefly, else record it here.
    await waitUntil(() => engine.containers.find(container.id)?.state !== 'running', 2_000, RUNTIME_POLL_MS);
  }
  if (container.monitor === 'conmon') {
    // conmon writes the exit file just after it reaps the init: reading before that would
    // record -1.
    await waitUntil(async () => (await readExitFile(engine, container.id)) !== undefined || !runningProcess(container.monitorPid), 2_000, FILE_POLL_MS);
  }
  await cleanupContainer(engine, container.id);
  return engine.containers.find(container.id) ?? container;
}

/** True once the container's init is gone: its exit file written or its PID dead. */
async function waitForExit(engine: Engine, container: ContainerRecord, timeoutMs: number): Promise<boolean> {
  return waitUntil(async () => (await readExitFile(engine, container.id)) !== undefined || !(await initAlive(engine, container)), timeoutMs, pollMs(container));
}

/** Alive and not a zombie (an exited conmon whose reaper has not reaped it yet is done). */
function runningProcess(pid: number | undefined): boolean {
  return processAlive(pid) && processStartTime(pid!) !== undefined;
}

async function initAlive(engine: Engine, container: ContainerRecord): Promise<boolean> {
  if (container.monitor === 'conmon') return processAlive(container.pid);
  const state = await engine.containerRuntime(container).state(container.id).catch(() => undefined);
  return state !== undefined && state.status !== 'stopped';
}

