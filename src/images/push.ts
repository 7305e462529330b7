/**
 * Pushing a stored image to a registry (distribution spec "Push"):
 *
 *   image → its manifest bytes as pulled (stored-manifest.ts) → each blob the manifest
 *   names, layers then config, uploaded from the content store unless the registry already
 *   has it (HEAD) → the manifest, under the tag (or, without one, its digest).
 *
 * Blobs go first and the manifest last, as the spec requires: a registry refuses a manifest
 * naming blobs it lacks. The manifest bytes are the kept ones, so the pushed digest is the
 * pulled one and `skopeo inspect` on either side agrees.
 */
import type { Engine } from '../engine.js';
import { InvalidArgumentError } from '../errors.js';
import { validateDigest } from '../content/index.js';
import type { Descriptor } from '../oci/types.js';
import { parseReference, type ImageReference } from '../reference/reference.js';
import { RegistryClient, type Credentials } from '../registry/index.js';
import { credentialsFor } from '../auth/auth-file.js';
import { getLocalImage } from './lookup.js';
import { storedManifest } from './stored-manifest.js';
import type { ImageRecord } from './store.js';

const PARALLEL_UPLOADS = 3;

export interface PushProgress {
  blob?(descriptor: Descriptor, state: 'exists' | 'copying' | 'done'): void;
  config?(descriptor: Descriptor, state: 'exists' | 'done'): void;
  writing?(): void;
}

export interface PushOptions {
  /** false: plain http and no certificate checks (podman's --tls-verify=false). */
  tlsVerify?: boolean;
  certDir?: string;
  credentials?: Credentials;
  authFile?: string;
  progress?: PushProgress;
}

export interface PushResult {
  /** Where it went: `registry/repository:tag`. */
  destination: string;
  /** The pushed manifest's digest. */
  digest: string;
}

export async function pushImage(engine: Engine, input: string, destination: string | undefined, options: PushOptions = {}): Promise<PushResult> {
  const image = getLocalImage(engine, input);
  const target = destinationReference(image, input, destination);
  const credentials = options.credentials ?? credentialsFor(target.registry, target.repository, { authFile: options.authFile });
  const client = new RegistryClient({
    host: target.registry,
    ...(options.tlsVerify !== undefined ? { tlsVerify: options.tlsVerify } : {}),
    ...(options.certDir ? { certDir: options.certDir } : {}),
    ...(credentials ? { credentials } : {}),
  });
  try {
    const stored = await storedManifest(engine, image);
    const { manifest } = stored;
    const mountFrom = sourceRepository(image, target);
    await forEachLimited(manifest.layers, PARALLEL_UPLOADS, async (layer) => {
      const state = await uploadIfMissing(engine, client, target.repository, layer, mountFrom, () => options.progress?.blob?.(layer, 'copying'));
      options.progress?.blob?.(layer, state);
    });
    // Not inside `progress?.config?.(…)`: optional chaining would skip the upload with -q.
    const configState = await uploadIfMissing(engine, client, target.repository, manifest.config, mountFrom);
    options.progress?.config?.(manifest.config, configState);
    options.progress?.writing?.();
    const digest = await client.putManifest(target.repository, target.tag ?? stored.digest, stored.bytes, stored.mediaType);
    return { destination: target.toString(), digest };
  } finally {
    await client.close();
  }
}

/**
 * Podman's rule: the destination as given (`docker://` optional); without one, the name the
 * user picked the image by, which must then be a full name.
 */
function destinationReference(image: ImageRecord, input: string, destination: string | undefined): ImageReference {
  if (destination !== undefined) {
    const text = destination.startsWith('docker://') ? destination.slice('docker://'.length) : destination;
    if (/^(oci|oci-archive|docker-archive|dir|containers-storage|docker-daemon):/.test(text)) {
      throw new InvalidArgumentError(`unsupported push destination "${destination}": tpod pushes to registries only (docker://)`);
    }
    return checkPushable(parseReference(text), destination);
  }
  const name = nameFor(image, input);
  if (!name) throw new InvalidArgumentError(`${input}: no destination given and the image has no name to push to`);
  return checkPushable(parseReference(name), name);
}

function checkPushable(ref: ImageReference, input: string): ImageReference {
  if (ref.digest !== undefined && ref.tag === undefined) {
    throw new InvalidArgumentError(`cannot push to "${input}": a destination needs a tag, not a digest`);
  }
  return ref;
}

/** The stored name `input` meant: itself if stored, else the name it resolved to. */
function nameFor(image: ImageRecord, input: string): string | undefined {
  if (image.names.includes(input)) return input;
  try {
    const ref = parseReference(input);
    if (!ref.shortName && ref.nameWithTag && image.names.includes(ref.nameWithTag)) return ref.nameWithTag;
    const suffix = `/${ref.familiar.replace(/@.*$/, '')}`;
    const withTag = suffix.includes(':') ? suffix : `${suffix}:${ref.tag ?? 'latest'}`;
    const named = image.names.find((name) => name.endsWith(withTag));
    if (named) return named;
  } catch {
    // an ID: no name was meant
  }
  return image.names.length === 1 && !/^(sha256:)?[a-f0-9]{3,64}$/.test(input) ? image.names[0] : undefined;
}

/**
 * A repository on the destination registry the image was pulled from (RepoDigests), from
 * which the registry can mount blobs instead of receiving them again.
 */
function sourceRepository(image: ImageRecord, target: ImageReference): string | undefined {
  for (const repoDigest of image.repoDigests) {
    const name = repoDigest.slice(0, repoDigest.indexOf('@'));
    if (!name.startsWith(`${target.registry}/`)) continue;
    const repository = name.slice(target.registry.length + 1);
    if (repository !== target.repository) return repository;
  }
  return undefined;
}

async function uploadIfMissing(
  engine: Engine,
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
  mountFrom: string | undefined,
  starting?: () => void,
): Promise<'exists' | 'done'> {
  const digest = validateDigest(descriptor.digest);
  if (await client.blobExists(repository, digest)) return 'exists';
  starting?.();
  const { size } = await engine.content.info(digest);
  // The stream is opened only now: a mount (201) never reads it, and it must not leak.
  const body = await engine.content.readStream(digest);
  try {
    const result = await client.uploadBlob(repository, digest, size, body, { mountFrom });
    return result.mounted ? 'exists' : 'done';
  } finally {
    body.destroy();
  }
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}
