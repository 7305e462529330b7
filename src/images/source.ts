/**
 * Where an image comes from, as podman's transports: a registry (`docker://` or a plain
 * reference) or an OCI image layout on disk (`oci:DIR[:TAG]`). A source hands out
 * manifests and blobs by descriptor; the pull pipeline above does not care which it is.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError, fromSystemError } from '../errors.js';
import { digestOf } from '../oci/digest.js';
import { parseManifest, type Manifest } from '../oci/manifest.js';
import type { Descriptor } from '../oci/types.js';
import { RegistryClient, type FetchedManifest } from '../registry/index.js';

export interface SourceManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
  manifest: Manifest;
}

export interface ImageSource {
  /** For messages: `127.0.0.1:5000/library/busybox`, `oci:/path`. */
  readonly name: string;
  /** `ref` is a tag or a digest. */
  getManifest(ref: string): Promise<SourceManifest>;
  getBlob(descriptor: Descriptor): Promise<Readable>;
  close(): Promise<void>;
}

export class RegistrySource implements ImageSource {
  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
  ) {}

  get name(): string {
    return `${this.client.host}/${this.repository}`;
  }

  async getManifest(ref: string): Promise<SourceManifest> {
    const fetched: FetchedManifest = await this.client.getManifest(this.repository, ref);
    return { bytes: fetched.bytes, mediaType: fetched.mediaType, digest: fetched.digest, manifest: fetched.manifest };
  }

  async getBlob(descriptor: Descriptor): Promise<Readable> {
    return (await this.client.fetchBlob(this.repository, descriptor)).stream;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** An OCI image layout (image-layout.md): index.json names manifests by ref.name annotation. */
export class OciLayoutSource implements ImageSource {
  constructor(readonly dir: string) {}

  get name(): string {
    return `oci:${this.dir}`;
  }

  async getManifest(ref: string): Promise<SourceManifest> {
    if (ref.includes(':') && /^[a-z0-9]+:[a-f0-9]{32,}$/.test(ref)) return this.readManifest({ digest: ref });
    const index = await this.readIndex();
    const entries = index.manifests.filter((d) => d.annotations?.['org.opencontainers.image.ref.name'] === ref);
    // A layout holding a single unnamed image serves it for any tag, as podman's oci: does.
    const chosen = entries[0] ?? (index.manifests.length === 1 && !ref ? index.manifests[0] : undefined);
    if (!chosen) throw new NotFoundError(`image "${ref}" not found in OCI layout ${this.dir}`);
    return this.readManifest(chosen);
  }

  async getBlob(descriptor: Descriptor): Promise<Readable> {
    const path = this.blobPath(descriptor.digest);
    try {
      await stat(path);
    } catch (err) {
      throw fromSystemError(err, `reading blob ${descriptor.digest} of OCI layout ${this.dir}`);
    }
    return createReadStream(path);
  }

  async close(): Promise<void> {}

  private async readIndex(): Promise<{ manifests: Descriptor[] }> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'index.json'), 'utf8');
    } catch (err) {
      throw fromSystemError(err, `reading OCI layout ${this.dir}`);
    }
    const index = JSON.parse(text) as { manifests?: Descriptor[] };
    if (!Array.isArray(index.manifests)) throw new InvalidArgumentError(`${this.dir}/index.json is not an OCI image index`);
    return { manifests: index.manifests };
  }

  private async readManifest(descriptor: Pick<Descriptor, 'digest'> & Partial<Descriptor>): Promise<SourceManifest> {
    const bytes = await readFile(this.blobPath(descriptor.digest)).catch((err: unknown) => {
      throw fromSystemError(err, `reading manifest ${descriptor.digest} of OCI layout ${this.dir}`);
    });
    const digest = digestOf(bytes);
    if (digest !== descriptor.digest) throw new InvalidArgumentError(`manifest ${descriptor.digest} in ${this.dir} has digest ${digest}`);
    const mediaType = descriptor.mediaType ?? (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? '';
    return { bytes, mediaType, digest, manifest: parseManifest(bytes, mediaType, `manifest ${digest}`) };
  }

  private blobPath(digest: string): string {
    const [algorithm, hex] = digest.split(':');
    if (!algorithm || !hex || !/^[a-f0-9]+$/.test(hex)) throw new InvalidArgumentError(`invalid digest "${digest}"`);
    return join(this.dir, 'blobs', algorithm, hex);
  }
}
