/**
 * `tpod pause` / `unpause`: the runtime freezes or thaws the container's cgroup (freezer);
 * only the container's scope is frozen, never conmon's. The record follows the runtime.
 */
import type { Engine } from '../engine.js';
import { ConflictError } from '../errors.js';
import { syncContainer } from './sync.js';

export async function setPaused(engine: Engine, nameOrId: string, paused: boolean): Promise<string> {
  const container = (await syncContainer(engine, engine.containers.get(nameOrId))) ?? engine.containers.get(nameOrId);
  const from = paused ? 'running' : 'paused';
  if (container.state !== from) {
    throw new ConflictError(`"${container.name}" is not ${from}, can't ${paused ? 'pause' : 'unpause'}: container state improper`);
  }
  const runtime = engine.runtime(container.config.runtime);
  await (paused ? runtime.pause(container.id) : runtime.resume(container.id));
  engine.containers.setState(container.id, paused ? 'paused' : 'running');
  return container.id;
}
