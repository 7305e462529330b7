/**
 * The truth about a container marked running: its monitor may have exited, systemd may
 * have stopped its scope, or a tpod may have been killed. Checking costs a stat and a
 * kill(pid, 0), so `tpod ps` does it for every running container, and repairs.
 */
import type { Engine } from '../engine.js';
import { cleanupContainer, readExitFile } from './cleanup.js';
import type { ContainerRecord } from './store.js';

export function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Brings one record up to date; returns the fresh record (or undefined if --rm removed it). */
export async function syncContainer(engine: Engine, container: ContainerRecord): Promise<ContainerRecord | undefined> {
  if (container.state !== 'running' && container.state !== 'paused') return container;
  if (await isStillRunning(engine, container)) return container;
  await cleanupContainer(engine, container.id);
  return engine.containers.find(container.id);
}

async function isStillRunning(engine: Engine, container: ContainerRecord): Promise<boolean> {
  if ((await readExitFile(engine, container.id)) !== undefined) return false;
  if (container.monitor === 'foreground' && processAlive(container.monitorPid) && processAlive(container.pid)) return true;
  if (container.monitor === 'conmon' && processAlive(container.pid)) return true;
  // The pid may be recycled or the monitor gone: the runtime knows for sure.
  const state = await engine.containerRuntime(container).state(container.id).catch(() => undefined);
  return state !== undefined && (state.status === 'running' || state.status === 'paused');
}

export async function syncAll(engine: Engine, containers: ContainerRecord[]): Promise<ContainerRecord[]> {
  const synced = await Promise.all(containers.map((container) => syncContainer(engine, container)));
  return synced.filter((container): container is ContainerRecord => container !== undefined);
}
