/**
 * `tpod save`: stored images into one tar stream, in either format podman writes.
 *
 * - docker-archive (podman's default): `manifest.json` + the config (`<hex>.json`) + each
 *   layer uncompressed (`<diffID hex>.tar`), as podman and docker save write it. Layers
 *   are kept compressed, so each is gunzipped twice: once to learn its size (a tar header
 *   comes before its body) and check its diffID, once into the archive. Memory stays flat.
 * - oci-archive: an OCI image layout (oci-layout, index.json, blobs/sha256/…) holding the
 *   blobs as kept; index.json names each image by `org.opencontainers.image.ref.name`.
 *   Docker schema2 manifests become OCI ones (same config, so the same image ID), as an
 *   OCI layout holds OCI manifests only; podman converts the same way.
 *
 * A blob shared by several images is written once.
 */
import type { Writable } from 'node:stream';
import type { Engine } from '../engine.js';
import { CorruptError } from '../errors.js';
import { Digester, sha256Digest } from '../content/index.js';
import { decompressLayer, detectCompression } from '../layers/compression.js';
import {
  DOCKER_MANIFEST,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  OCI_LAYER_TAR,
  OCI_LAYER_TAR_GZIP,
  OCI_LAYER_TAR_ZSTD,
} from '../oci/media-types.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import { parseReference } from '../reference/reference.js';
import { dockerArchiveEntry, type DockerArchiveEntry } from './docker-archive.js';
import { getLocalImage } from './lookup.js';
import { storedManifest, type StoredManifest } from './stored-manifest.js';
import type { ImageRecord } from './store.js';
import { TarWriter } from './tar-writer.js';

export type ArchiveFormat = 'docker-archive' | 'oci-archive';
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['docker-archive', 'oci-archive'];

/** The OCI layout annotation naming an image (image-layout.md, annotations.md). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

interface SaveItem {
  image: ImageRecord;
  /** The name the user picked it by (full form), if they used a name. */
  name: string | undefined;
}

export async function saveImages(engine: Engine, inputs: string[], format: ArchiveFormat, out: Writable): Promise<void> {
  // Resolve every name before writing a byte: a typo must not leave half an archive.
  const items = inputs.map((input) => resolveItem(engine, input));
  const tar = new TarWriter(out);
  if (format === 'docker-archive') await writeDockerArchive(engine, items, tar);
  else await writeOciArchive(engine, items, tar);
  await tar.end();
}

function resolveItem(engine: Engine, input: string): SaveItem {
  const image = getLocalImage(engine, input);
  if (image.names.includes(input)) return { image, name: input };
  let name: string | undefined;
  try {
    const ref = parseReference(input);
    // `busybox` found as localhost/busybox:latest (lookup.ts's short-name rules): that name.
    const familiar = ref.tag === undefined ? undefined : `/${ref.familiar}`;
    name = image.names.find((stored) => stored === ref.nameWithTag || (familiar !== undefined && stored.endsWith(familiar)));
  } catch {
    // an image ID: saved without a name, as podman does
  }
  return { image, name };
}

async function writeDockerArchive(engine: Engine, items: SaveItem[], tar: TarWriter): Promise<void> {
  const written = new Set<string>();
  const entries: DockerArchiveEntry[] = [];
  for (const { image, name } of items) {
    const stored = await storedManifest(engine, image);
    const diffIds = image.config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== stored.manifest.layers.length) {
      throw new CorruptError(`image ${image.id.slice(0, 12)}: config lists ${diffIds.length} diff_ids for ${stored.manifest.layers.length} layers`);
    }
    const repoTags = name ? [parseReference(name).familiar] : [];
    const entry = dockerArchiveEntry(image.configDigest, diffIds, repoTags);
    entries.push(entry);
    if (!written.has(entry.Config)) {
      await writeBlob(engine, tar, entry.Config, stored.manifest.config);
      written.add(entry.Config);
    }
    for (const [i, layer] of stored.manifest.layers.entries()) {
      const path = entry.Layers[i]!;
      if (written.has(path)) continue;
      await writeUncompressedLayer(engine, tar, path, layer, diffIds[i]!);
      written.add(path);
    }
  }
  await tar.file('manifest.json', ...bytesOf(JSON.stringify(entries)));
}

async function writeOciArchive(engine: Engine, items: SaveItem[], tar: TarWriter): Promise<void> {
  const written = new Set<string>();
  const index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] } = { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [] };
  await tar.file('oci-layout', ...bytesOf(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  await tar.directory('blobs');
  await tar.directory('blobs/sha256');
  for (const { image, name } of items) {
    const stored = asOciManifest(await storedManifest(engine, image));
    for (const blob of [stored.manifest.config, ...stored.manifest.layers]) {
      if (written.has(blob.digest)) continue;
      await writeBlob(engine, tar, blobPath(blob.digest), blob);
      written.add(blob.digest);
    }
    if (!written.has(stored.digest)) {
      await tar.file(blobPath(stored.digest), stored.bytes.length, stored.bytes);
      written.add(stored.digest);
    }
    index.manifests.push({
      mediaType: stored.mediaType,
      digest: stored.digest,
      size: stored.bytes.length,
      ...(name ? { annotations: { [REF_NAME_ANNOTATION]: name } } : {}),
    });
  }
  await tar.file('index.json', ...bytesOf(JSON.stringify(index)));
}

/** A Docker schema2 manifest as the OCI manifest with the same config and layers. */
export function asOciManifest(stored: StoredManifest): StoredManifest {
  if (stored.mediaType !== DOCKER_MANIFEST) return stored;
  const layerType = (mediaType: string): string => {
    if (mediaType.endsWith('.tar.gzip') || mediaType.endsWith('+gzip')) return OCI_LAYER_TAR_GZIP;
    if (mediaType.endsWith('+zstd')) return OCI_LAYER_TAR_ZSTD;
    return OCI_LAYER_TAR;
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    config: { mediaType: OCI_IMAGE_CONFIG, digest: stored.manifest.config.digest, size: stored.manifest.config.size },
    layers: stored.manifest.layers.map((layer) => ({ mediaType: layerType(layer.mediaType), digest: layer.digest, size: layer.size })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { bytes, digest: sha256Digest(bytes), mediaType: OCI_IMAGE_MANIFEST, manifest, original: false };
}

function blobPath(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

function bytesOf(text: string): [number, Buffer] {
  const bytes = Buffer.from(text);
  return [bytes.length, bytes];
}

async function writeBlob(engine: Engine, tar: TarWriter, path: string, descriptor: Descriptor): Promise<void> {
  const { size } = await engine.content.info(descriptor.digest);
  await tar.file(path, size, await engine.content.readStream(descriptor.digest));
}

/** The layer as the uncompressed tar its diffID names, checked before it is written. */
async function writeUncompressedLayer(engine: Engine, tar: TarWriter, path: string, layer: Descriptor, diffId: string): Promise<void> {
  const content = engine.content;
  const what = `layer ${layer.digest}`;
  if (!(await isCompressed(engine, layer.digest))) {
    // An uncompressed blob is its own diff: its digest is the diffID.
    if (layer.digest !== diffId) throw new CorruptError(`${what}: uncompressed, but its digest is not the diffID ${diffId}`);
    await writeBlob(engine, tar, path, layer);
    return;
  }
  const measured = { blob: new Digester(), diff: new Digester() };
  for await (const chunk of decompressLayer(await content.readStream(layer.digest), measured, what)) void chunk;
  if (measured.diff.digest() !== diffId) {
    throw new CorruptError(`${what} decompresses to ${measured.diff.digest()}, not the diffID ${diffId}`, { hint: 'remove the image and pull it again' });
  }
  const again = { blob: new Digester(), diff: new Digester() };
  await tar.file(path, measured.diff.size, decompressLayer(await content.readStream(layer.digest), again, what));
}

async function isCompressed(engine: Engine, digest: string): Promise<boolean> {
  const stream = await engine.content.readStream(digest);
  try {
    for await (const chunk of stream) return detectCompression(chunk as Buffer) !== 'none';
    return false;
  } finally {
    stream.destroy();
  }
}
