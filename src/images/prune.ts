/**
 * `tpod image prune`: removes dangling images (no names), or with `all` every image no
 * container was made from, as podman does. An image a container starts using while this
 * runs is kept: the in-use check is repeated inside each deleting transaction.
 */
import type { Engine } from '../engine.js';
import { TpodError } from '../errors.js';
import { containersUsing, deleteImage } from './remove.js';

export interface PruneOptions {
  /** Also images with names (podman's -a). */
  all?: boolean;
}

/** Returns the IDs removed, in the order removed. */
export async function pruneImages(engine: Engine, options: PruneOptions = {}): Promise<string[]> {
  const removed: string[] = [];
  for (const image of engine.images.list()) {
    if (!options.all && image.names.length > 0) continue;
    if (containersUsing(engine, image.id).length > 0) continue;
    try {
      await deleteImage(engine, image);
      removed.push(image.id);
    } catch (err) {
      // Taken by a container or removed by another tpod meanwhile: not ours to prune.
      if (err instanceof TpodError && (err.kind === 'conflict' || err.kind === 'not-found')) continue;
      throw err;
    }
  }
  return removed;
}
