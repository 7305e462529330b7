/**
 * Garbage that interrupted commands leave in the image store, removed on the next pull:
 * ingest files of killed downloads and staging directories of killed unpacks (both
 * invisible to readers, renamed into place only when complete), and unpacked layer
 * directories that no database record names (a pull killed between renaming a layer into
 * place and committing the image). Only old leftovers go, so a concurrent pull's
 * in-flight files are never touched.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import { removeStaleUnpacks } from '../layers/index.js';

const STALE_MS = 10 * 60 * 1000;

export async function collectImageGarbage(engine: Engine, olderThanMs = STALE_MS): Promise<void> {
  await engine.content.cleanupIngests(olderThanMs).catch(() => 0);
  await removeStaleUnpacks(engine.layersDir, olderThanMs).catch(() => 0);
  await removeUnrecordedLayers(engine, olderThanMs);
}

async function removeUnrecordedLayers(engine: Engine, olderThanMs: number): Promise<void> {
  const names = await readdir(engine.layersDir).catch(() => [] as string[]);
  const candidates = names.filter((name) => /^[a-f0-9]{64}$/.test(name));
  if (candidates.length === 0) return;
  const known = new Set([...engine.images.knownLayers()].map((chainId) => chainId.slice(chainId.indexOf(':') + 1)));
  for (const name of candidates) {
    if (known.has(name)) continue;
    const dir = join(engine.layersDir, name);
    const age = Date.now() - (await stat(dir).then((s) => s.mtimeMs, () => Date.now()));
    if (age > olderThanMs) await engine.removeTree(dir);
  }
}
