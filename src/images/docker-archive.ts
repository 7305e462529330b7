/**
 * The `docker save` format (docker-archive), as docker and podman write it: a tar whose
 * `manifest.json` lists each image as `{Config, RepoTags, Layers}`, paths inside the
 * archive to the config JSON and to each layer tar, bottom layer first. podman (and tpod)
 * write layers uncompressed, named by diffID (`<hex>.tar`), the config by its digest
 * (`<hex>.json`); docker's own archives use other paths, which is why readers follow
 * manifest.json and never guess names.
 *
 * Reading: an extracted archive becomes an ImageSource whose manifest is made up here (an
 * OCI manifest over the config and layer files, digests computed from the files) so the
 * pull pipeline loads it like any other image; the config bytes are the archive's, so the
 * image ID is the one it was saved with.
 */
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { Digester, sha256Digest } from '../content/index.js';
import { CorruptError, InvalidArgumentError, NotFoundError, fromSystemError } from '../errors.js';
import { detectCompression } from '../layers/index.js';
import { OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST, OCI_LAYER_TAR, OCI_LAYER_TAR_GZIP } from '../oci/media-types.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import type { ImageSource, SourceManifest } from './source.js';

/** One image in manifest.json. */
export interface DockerArchiveEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/** Parses manifest.json; `what` names it in errors. */
export function parseDockerArchiveManifest(text: string, what = 'manifest.json'): DockerArchiveEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CorruptError(`${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(value)) throw new CorruptError(`${what} is not a JSON array`);
  return value.map((item: unknown, i) => {
    const entry = item as Partial<Record<keyof DockerArchiveEntry, unknown>> | null;
    const where = `${what}[${i}]`;
    if (!entry || typeof entry !== 'object') throw new CorruptError(`${where} is not an object`);
    if (typeof entry.Config !== 'string' || !entry.Config) throw new CorruptError(`${where} has no "Config"`);
    if (!Array.isArray(entry.Layers) || !entry.Layers.every((layer) => typeof layer === 'string' && layer)) {
      throw new CorruptError(`${where}: "Layers" is not a list of paths`);
    }
    const tags = entry.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) throw new CorruptError(`${where}: "RepoTags" is not a list of names`);
    return { Config: entry.Config, RepoTags: tags as string[], Layers: entry.Layers as string[] };
  });
}

/** What save writes for one image: config by its digest, layers by their diffIDs. */
export function dockerArchiveEntry(configDigest: string, diffIds: string[], repoTags: string[]): DockerArchiveEntry {
  return { Config: `${hexOf(configDigest)}.json`, RepoTags: repoTags, Layers: diffIds.map((diffId) => `${hexOf(diffId)}.tar`) };
}

function hexOf(digest: string): string {
  const colon = digest.indexOf(':');
  const hex = digest.slice(colon + 1);
  if (colon < 0 || !/^[a-f0-9]{64}$/.test(hex)) throw new InvalidArgumentError(`invalid digest "${digest}"`);
  return hex;
}

/** One image of an extracted docker-archive, served to the pull pipeline. */
export class DockerArchiveSource implements ImageSource {
  private prepared: SourceManifest | undefined;
  private readonly paths = new Map<string, string>();

  constructor(
    readonly dir: string,
    readonly entry: DockerArchiveEntry,
    readonly label = 'docker-archive',
  ) {}

  get name(): string {
    return this.label;
  }

  /** The made-up manifest, whatever `ref` is: one entry is one image. */
  async getManifest(): Promise<SourceManifest> {
    this.prepared ??= await this.prepare();
    return this.prepared;
  }

  async getBlob(descriptor: Descriptor): Promise<Readable> {
    const path = this.paths.get(descriptor.digest);
    if (!path) throw new NotFoundError(`blob ${descriptor.digest} is not in ${this.label}`);
    return createReadStream(path);
  }

  async close(): Promise<void> {}

  private async prepare(): Promise<SourceManifest> {
    const configPath = await this.resolve(this.entry.Config);
    const configBytes = await readFile(configPath);
    const configDigest = sha256Digest(configBytes);
    this.paths.set(configDigest, configPath);
    const layers: Descriptor[] = [];
    for (const layer of this.entry.Layers) {
      const path = await this.resolve(layer);
      const { digest, size, gzip } = await hashFile(path);
      this.paths.set(digest, path);
      layers.push({ mediaType: gzip ? OCI_LAYER_TAR_GZIP : OCI_LAYER_TAR, digest, size });
    }
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      config: { mediaType: OCI_IMAGE_CONFIG, digest: configDigest, size: configBytes.length },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    return { bytes, mediaType: OCI_IMAGE_MANIFEST, digest: sha256Digest(bytes), manifest };
  }

  /**
   * A path named by manifest.json, inside the extracted archive even after symlinks are
   * followed: an archive must not make tpod read files of the host.
   */
  private async resolve(relative: string): Promise<string> {
    const root = await realpath(this.dir);
    let resolved: string;
    try {
      resolved = await realpath(join(root, relative));
    } catch (err) {
      throw fromSystemError(err, `${this.label}: reading ${relative}`);
    }
    if (!resolved.startsWith(root + sep) || !(await stat(resolved)).isFile()) {
      throw new InvalidArgumentError(`${this.label}: "${relative}" is not a file inside the archive`);
    }
    return resolved;
  }
}

async function hashFile(path: string): Promise<{ digest: string; size: number; gzip: boolean }> {
  const digester = new Digester();
  let head: Buffer | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    head ??= chunk as Buffer;
    digester.update(chunk as Buffer);
  }
  return { digest: digester.digest(), size: digester.size, gzip: head !== undefined && detectCompression(head) === 'gzip' };
}
