/**
 * `tpod rmi`: a name given for an image with several names only drops that name, as
 * podman does; otherwise the record goes, and then the files no image needs any more
 * (unpacked layer directories, their blobs, the config and manifest). Files are deleted
 * after the commit: a crash in between leaves garbage that `collectGarbage` removes, never
 * a record without files.
 *
 * An image a container was made from stays unless forced; forced, its containers are
 * removed first (podman's `rmi -f`).
 */
import { rm } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { ConflictError } from '../errors.js';
import { ContainerStore } from '../containers/store.js';
import { removeContainer } from '../containers/remove.js';
import { getLocalImage } from './lookup.js';
import type { ImageRecord, LayerRecord } from './store.js';

export interface RemovedImage {
  untagged: string[];
  deleted: string | undefined;
  /** Containers removed with the image (force only). */
  removedContainers: string[];
}

export async function removeImage(engine: Engine, input: string, options: { force?: boolean } = {}): Promise<RemovedImage> {
  const image = getLocalImage(engine, input);
  const byName = image.names.find((name) => name === input || name.endsWith(`/${input}`) || name.endsWith(`/${input}:latest`));
  if (byName && image.names.length > 1 && !options.force) {
    engine.images.untag(image.id, byName);
    return { untagged: [byName], deleted: undefined, removedContainers: [] };
  }
  const removedContainers: string[] = [];
  const users = containersUsing(engine, image.id);
  if (users.length > 0 && !options.force) {
    // Exit status 2, as podman-rmi(1) documents for an image in use.
    throw new ConflictError(`image used by ${users[0]}: image is in use by a container`, {
      hint: 'remove the container first, or use rmi -f',
      exitCode: 2,
    });
  }
  for (const container of users) removedContainers.push(await removeContainer(engine, container, { force: true }));
  return { ...(await deleteImage(engine, image)), removedContainers };
}

/**
 * Deletes the record and the files only it needed. The in-use check is repeated inside the
 * deleting transaction, so a container created meanwhile keeps its image.
 */
export async function deleteImage(engine: Engine, image: ImageRecord): Promise<Omit<RemovedImage, 'removedContainers'>> {
  const orphans = engine.images.remove(image.id, (db, id) => ContainerStore.imageInUse(db, id));
  await deleteFiles(engine, orphans, image);
  return { untagged: image.names, deleted: image.id };
}

export function containersUsing(engine: Engine, imageId: string): string[] {
  return engine.containers
    .list()
    .filter((container) => container.imageId === imageId)
    .map((container) => container.id);
}

async function deleteFiles(engine: Engine, layers: LayerRecord[], image: ImageRecord): Promise<void> {
  const content = engine.content;
  for (const layer of layers) {
    await engine.removeTree(engine.layerDir(layer.chainId));
    if (layer.blobDigest) await content.delete(layer.blobDigest).catch(() => undefined);
  }
  const others = engine.images.list();
  if (!others.some((other) => other.configDigest === image.configDigest)) {
    await content.delete(image.configDigest).catch(() => undefined);
  }
  if (!others.some((other) => other.manifestDigest === image.manifestDigest)) {
    await content.delete(image.manifestDigest).catch(() => undefined);
  }
}
