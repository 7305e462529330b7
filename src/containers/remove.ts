/**
 * `tpod rm`: refuse a running container without --force (as podman), else stop it, then
 * take it apart: runtime state, snapshot, files, record. The record is marked `removing`
 * first and deleted last, so a rm killed half way is finished by the next rm or prune.
 */
import { readFile, rm } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { ConflictError } from '../errors.js';
import { containerScope, monitorScope } from './layout.js';
import { stopContainer } from './stop.js';
import { syncContainer } from './sync.js';
import { removeVolume } from '../volumes/store.js';

export interface RemoveOptions {
  force?: boolean;
  timeoutSeconds?: number;
  /** `rm -v`: also remove the container's anonymous volumes (--rm always does). */
  volumes?: boolean;
}

export async function removeContainer(engine: Engine, nameOrId: string, options: RemoveOptions = {}): Promise<string> {
  let container = engine.containers.get(nameOrId);
  container = (await syncContainer(engine, container)) ?? container;
  if (!engine.containers.find(container.id)) return container.id; // --rm removed it meanwhile
  if (container.state === 'running' || container.state === 'paused') {
    if (!options.force) {
      throw new ConflictError(
        `cannot remove container ${container.id} as it is ${container.state} - running or paused containers cannot be removed without force`,
      );
    }
    await stopContainer(engine, container.id, options.timeoutSeconds);
  }
  engine.containers.setState(container.id, 'removing');
  await engine.containerRuntime(container).delete(container.id, true).catch(() => undefined);
  await stopLeftoverScopes(engine, container.id);
  await engine.snapshots(container.config.storageDriver).remove(container.id);
  const paths = engine.containerPaths(container.id);
  await rm(paths.run, { recursive: true, force: true });
  await engine.removeTree(paths.dir);
  engine.containers.delete(container.id);
  if (options.volumes || container.config.autoRemove) {
    for (const name of container.config.anonymousVolumes ?? []) await removeVolume(engine, name).catch(() => undefined);
  }
  return container.id;
}

/**
 * A scope normally vanishes with its last process; stop one that lingers (kill -9 paths).
 * Not the scope this process runs in: conmon's exit command (`container cleanup` of a
 * --rm container) runs inside the monitor's scope, and stopping it would kill the cleanup.
 */
async function stopLeftoverScopes(engine: Engine, id: string): Promise<void> {
  const systemd = await engine.systemd().catch(() => undefined);
  if (!systemd) return;
  const ownCgroups = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  for (const unit of [containerScope(id), monitorScope(id)].filter((u) => !ownCgroups.includes(`/${u}`))) {
    const state = await systemd.getUnitState(unit).catch(() => undefined);
    if (state && state.activeState !== 'inactive') await systemd.stopUnit(unit).catch(() => undefined);
  }
}
