/**
 * Container directories without a record: what a `tpod create`/`run` killed between
 * preparing the snapshot and recording the container leaves behind — possibly mounted,
 * since prepare mounts the overlay once to check it works. `tpod rm --all` collects them.
 * A create still under way is told apart by its marker file naming a live process (and a
 * directory too young to have one yet is left alone).
 */
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import { processAlive } from './sync.js';

const MARKER = 'creating.pid';
const YOUNG_MS = 30_000;

export async function markCreating(engine: Engine, id: string): Promise<void> {
  await writeFile(join(engine.containerPaths(id).dir, MARKER), `${process.pid}\n`);
}

export async function createDone(engine: Engine, id: string): Promise<void> {
  await rm(join(engine.containerPaths(id).dir, MARKER), { force: true });
}

/** Removes unrecorded container directories (snapshot unmounted first); returns their IDs. */
export async function collectOrphanContainers(engine: Engine): Promise<string[]> {
  const dir = join(engine.paths.root, 'containers');
  const entries = await readdir(dir).catch(() => [] as string[]);
  const collected: string[] = [];
  for (const id of entries.filter((entry) => /^[a-f0-9]{64}$/.test(entry))) {
    if (engine.containers.find(id)) continue;
    const paths = engine.containerPaths(id);
    const creator = Number.parseInt(await readFile(join(paths.dir, MARKER), 'utf8').catch(() => ''), 10);
    if (Number.isNaN(creator)) {
      const age = await stat(paths.dir).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age < YOUNG_MS) continue;
    } else if (processAlive(creator)) {
      continue;
    }
    await engine.snapshots().remove(id);
    await rm(paths.run, { recursive: true, force: true });
    await engine.removeTree(paths.dir);
    collected.push(id);
  }
  return collected;
}
