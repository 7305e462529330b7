/**
 * `tpod container prune`: removes every container that is not running, and repairs what
 * killed commands left: records stuck in `removing`, and snapshots with no record at all
 * (a `create` killed between preparing the snapshot and recording the container).
 */
import { rm } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { listSnapshots } from '../snapshots/index.js';
import { removeContainer } from './remove.js';
import { syncAll } from './sync.js';

export async function pruneContainers(engine: Engine): Promise<string[]> {
  const removed: string[] = [];
  for (const container of await syncAll(engine, engine.containers.list())) {
    if (container.state === 'running' || container.state === 'paused') continue;
    removed.push(await removeContainer(engine, container.id, { force: true, timeoutSeconds: 0 }));
  }
  const known = new Set(engine.containers.list().map((c) => c.id));
  for (const snapshot of await listSnapshots(engine.paths.root)) {
    if (known.has(snapshot.id)) continue;
    await engine.snapshots(snapshot.driver).remove(snapshot.id);
    await rm(engine.containerPaths(snapshot.id).dir, { recursive: true, force: true });
  }
  return removed;
}
