/**
 * `tpod container prune`: removes every container that is not running, and repairs what
 * killed commands left: records stuck in `removing`, and snapshots with no record at all
 * (a `create` killed between preparing the snapshot and recording the container).
 */
import type { Engine } from '../engine.js';
import { collectOrphanContainers } from './orphans.js';
import { removeContainer } from './remove.js';
import { syncAll } from './sync.js';

export async function pruneContainers(engine: Engine): Promise<string[]> {
  const removed: string[] = [];
  for (const container of await syncAll(engine, engine.containers.list())) {
    if (container.state === 'running' || container.state === 'paused') continue;
    removed.push(await removeContainer(engine, container.id, { force: true, timeoutSeconds: 0 }));
  }
  // Unrecorded snapshots, except those a `create` still running is preparing.
  await collectOrphanContainers(engine);
  return removed;
}
