/**
 * The manifest of a stored image, for push and save: the exact bytes it was pulled or
 * loaded as (kept in the content store by the pull pipeline), so its digest survives the
 * trip. Images recorded before tpod kept manifests, or whose layer blobs came from another
 * image with the same layers but other compression, get a manifest rebuilt from the blobs
 * the store does hold: same image ID (config), a new manifest digest.
 */
import { open, readFile } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { CorruptError, NotFoundError } from '../errors.js';
import { sha256Digest } from '../content/index.js';
import { detectCompression } from '../layers/index.js';
import { isImageIndex, parseManifest } from '../oci/manifest.js';
import { MANIFEST_SIZE_LIMIT } from '../registry/index.js';
import { OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST, OCI_LAYER_TAR, OCI_LAYER_TAR_GZIP } from '../oci/media-types.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import type { ImageRecord } from './store.js';

export interface StoredManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
  manifest: ImageManifest;
  /** False when rebuilt: the digest differs from the one the image was pulled as. */
  original: boolean;
}

export async function storedManifest(engine: Engine, image: ImageRecord): Promise<StoredManifest> {
  const kept = await keptManifest(engine, image);
  if (kept && (await allPresent(engine, [kept.manifest.config, ...kept.manifest.layers]))) return kept;
  return rebuildManifest(engine, image);
}

async function keptManifest(engine: Engine, image: ImageRecord): Promise<StoredManifest | undefined> {
  const content = engine.content;
  if (!(await content.has(image.manifestDigest))) return undefined;
  const info = await content.info(image.manifestDigest);
  if (info.size > MANIFEST_SIZE_LIMIT) throw new CorruptError(`manifest ${image.manifestDigest} of image ${image.id.slice(0, 12)} is too large`);
  const bytes = await readFile(content.path(image.manifestDigest));
  const digest = sha256Digest(bytes);
  if (digest !== image.manifestDigest) {
    throw new CorruptError(`digest mismatch for ${image.manifestDigest}: got ${digest}`, { hint: 'remove the image and pull it again' });
  }
  const manifest = parseManifest(bytes, image.manifestType, `manifest ${digest}`);
  if (isImageIndex(manifest)) return undefined;
  return { bytes, digest, mediaType: image.manifestType, manifest, original: true };
}

async function allPresent(engine: Engine, descriptors: Descriptor[]): Promise<boolean> {
  for (const descriptor of descriptors) if (!(await engine.content.has(descriptor.digest))) return false;
  return true;
}

/** An OCI manifest over the blobs the store keeps for each of the image's layers. */
async function rebuildManifest(engine: Engine, image: ImageRecord): Promise<StoredManifest> {
  const content = engine.content;
  const config = await content.info(image.configDigest).catch(() => {
    throw new NotFoundError(`config ${image.configDigest} of image ${image.id.slice(0, 12)} is not in the content store`, {
      hint: 'pull the image again',
    });
  });
  const layers: Descriptor[] = [];
  for (const chainId of image.layers) {
    const record = engine.images.layer(chainId);
    const blob = record?.blobDigest;
    if (!blob || !(await content.has(blob))) {
      throw new NotFoundError(`the blob of layer ${record?.diffId ?? chainId} of image ${image.id.slice(0, 12)} is not in the content store`, {
        hint: 'pull the image again',
      });
    }
    const { size } = await content.info(blob);
    layers.push({ mediaType: (await isGzip(content.path(blob))) ? OCI_LAYER_TAR_GZIP : OCI_LAYER_TAR, digest: blob, size });
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    config: { mediaType: OCI_IMAGE_CONFIG, digest: config.digest, size: config.size },
    layers,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { bytes, digest: sha256Digest(bytes), mediaType: OCI_IMAGE_MANIFEST, manifest, original: false };
}

async function isGzip(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await file.read(head, 0, 4, 0);
    return detectCompression(head.subarray(0, bytesRead)) === 'gzip';
  } finally {
    await file.close();
  }
}
