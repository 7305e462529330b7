/**
 * `tpod rmi`: a name given for an image with several names only drops that name, as
 * podman does; otherwise the record goes, and then the files no image needs any more
 * (unpacked layer directories, their blobs). Files are deleted after the commit: a crash
 * in between leaves garbage that `collectGarbage` removes, never a record without files.
 */
import { rm } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { getLocalImage } from './lookup.js';
import type { ImageRecord, LayerRecord } from './store.js';

export interface RemovedImage {
  untagged: string[];
  deleted: string | undefined;
}

export async function removeImage(engine: Engine, input: string, options: { force?: boolean } = {}): Promise<RemovedImage> {
  const image = getLocalImage(engine, input);
  const byName = image.names.find((name) => name === input || name.endsWith(`/${input}`) || name.endsWith(`/${input}:latest`));
  if (byName && image.names.length > 1 && !options.force) {
    engine.images.untag(image.id, byName);
    return { untagged: [byName], deleted: undefined };
  }
  const orphans = engine.images.remove(image.id);
  await deleteLayerFiles(engine, orphans, image);
  return { untagged: image.names, deleted: image.id };
}

async function deleteLayerFiles(engine: Engine, layers: LayerRecord[], image: ImageRecord): Promise<void> {
  const content = engine.content;
  for (const layer of layers) {
    await rm(engine.layerDir(layer.chainId), { recursive: true, force: true });
    if (layer.blobDigest) await content.delete(layer.blobDigest).catch(() => undefined);
  }
  if (!engine.images.list().some((other) => other.configDigest === image.configDigest)) {
    await content.delete(image.configDigest).catch(() => undefined);
  }
}
