/**
 * `tpod pause` / `unpause`: the runtime freezes or thaws the container's cgroup (freezer);
 * only the container's scope is frozen, never conmon's. The record follows the runtime.
 */
import type { Engine } from '../engine.js';
import { ConflictError, UnavailableError } from '../errors.js';
import { cgroupControllersAvailable } from './resource-policy.js';
import { syncContainer } from './sync.js';

export async function setPaused(engine: Engine, nameOrId: string, paused: boolean): Promise<string> {
  const container = (await syncContainer(engine, engine.containers.get(nameOrId))) ?? engine.containers.get(nameOrId);
  const from = paused ? 'running' : 'paused';
  if (container.state !== from) {
    throw new ConflictError(`"${container.name}" is not ${from}, can't ${paused ? 'pause' : 'unpause'}: container state improper`);
  }
  // Freezing needs the freezer controller on the container's cgroup, which a user's
  // manager only has with delegated cgroup v2 (as podman: no pause rootless on v1).
  if (!cgroupControllersAvailable(engine)) {
    throw new UnavailableError('pause and unpause are not supported for rootless containers on a cgroup v1 host', {
      hint: 'stop the container instead, or boot the host with cgroup v2',
    });
  }
  const runtime = engine.containerRuntime(container);
  await (paused ? runtime.pause(container.id) : runtime.resume(container.id));
  engine.containers.setState(container.id, paused ? 'paused' : 'running');
  return container.id;
}
