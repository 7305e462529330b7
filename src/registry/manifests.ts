/**
 * Manifests over the distribution API ("Pulling manifests", "Pushing manifests"): fetch by
 * tag or digest with an Accept list of the formats tpod reads, bounded to 4 MiB (the size
 * the spec says registries SHOULD accept, and containers/image's read limit), verified
 * against the digest when fetched by one, and always named by their own sha256 digest,
 * which is what `tpod images --digests` shows.
 */
import { CorruptError, InvalidArgumentError, ResourceExhaustedError } from '../errors.js';
import { digestOf, matchesDigest } from '../oci/digest.js';
import { parseManifest, type Manifest } from '../oci/manifest.js';
import { MANIFEST_MEDIA_TYPES } from '../oci/media-types.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { isDigest } from '../reference/digest.js';
import { manifestPath, repositoryScope } from './paths.js';
import type { RegistrySession } from './session.js';
import { discardBody, headerValue, readBodyUpTo, type HttpResponse } from './transport.js';

/** distribution spec "Pushing Manifests": registries SHOULD accept at least 4 MiB. */
export const MANIFEST_SIZE_LIMIT = 4 * 1024 * 1024;

export interface FetchedManifest {
  /** The bytes as served: the digest is theirs, keep and push them unchanged. */
  bytes: Buffer;
  mediaType: string;
  /** The digest the manifest was fetched by, else the sha256 of its bytes. */
  digest: Digest;
  descriptor: Descriptor;
  manifest: Manifest;
}

export interface ManifestTarget {
  session: RegistrySession;
  repository: string;
  /** A tag or a digest. */
  reference: string;
  signal?: AbortSignal | undefined;
}

/** `manifest 127.0.0.1:5000/library/busybox:latest` (or `@sha256:…`). */
export function manifestSubject(host: string, repository: string, reference: string): string {
  return `manifest ${host}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
}

export async function getManifest(
  target: ManifestTarget,
  accept: readonly string[] = MANIFEST_MEDIA_TYPES,
): Promise<FetchedManifest> {
  const { session, repository, reference, signal } = target;
  const subject = manifestSubject(session.host, repository, reference);
  const response = await session.send({
    method: 'GET',
    target: manifestPath(repository, reference),
    scopes: [repositoryScope(repository, 'pull')],
    headers: { accept: accept.join(', ') },
    signal,
  });
  await session.expectStatus(response, [200], subject);
  const bytes = await readManifestBody(response, subject);
  const manifest = parseManifest(bytes, headerValue(response, 'content-type') ?? '', subject);
  const digest = verifiedDigest(bytes, reference, subject);
  return {
    bytes,
    mediaType: manifest.mediaType,
    digest,
    descriptor: { mediaType: manifest.mediaType, digest, size: bytes.length },
    manifest,
  };
}

/**
 * The manifest's descriptor without its body (HEAD), or undefined if there is no such
 * manifest. Registries that leave out `Docker-Content-Digest` cost a GET instead.
 */
export async function headManifest(
  target: ManifestTarget,
  accept: readonly string[] = MANIFEST_MEDIA_TYPES,
): Promise<Descriptor | undefined> {
  const { session, repository, reference, signal } = target;
  const subject = manifestSubject(session.host, repository, reference);
  const response = await session.send({
    method: 'HEAD',
    target: manifestPath(repository, reference),
    scopes: [repositoryScope(repository, 'pull')],
    headers: { accept: accept.join(', ') },
    signal,
  });
  if (response.status === 404) {
    await discardBody(response);
    return undefined;
  }
  await session.expectStatus(response, [200], subject);
  await discardBody(response);
  const digest = headerValue(response, 'docker-content-digest');
  const mediaType = headerValue(response, 'content-type');
  const size = Number(headerValue(response, 'content-length'));
  if (digest === undefined || !isDigest(digest) || !mediaType || !Number.isSafeInteger(size)) {
    return (await getManifest(target, accept)).descriptor;
  }
  return { mediaType: mediaType.split(';')[0]!.trim(), digest, size };
}

/** PUT a manifest's exact bytes; returns their sha256 digest. */
export async function putManifest(target: ManifestTarget, bytes: Uint8Array, mediaType: string): Promise<Digest> {
  const { session, repository, reference, signal } = target;
  const subject = manifestSubject(session.host, repository, reference);
  if (isDigest(reference) && !matchesDigest(bytes, reference)) {
    throw new InvalidArgumentError(`cannot push ${subject}: the manifest bytes do not match that digest`);
  }
  const response = await session.send({
    method: 'PUT',
    target: manifestPath(repository, reference),
    scopes: [repositoryScope(repository, 'pull,push')],
    headers: { 'content-type': mediaType },
    body: bytes,
    signal,
  });
  await session.expectStatus(response, [200, 201, 202], subject);
  await discardBody(response);
  const digest = digestOf(bytes);
  const stored = headerValue(response, 'docker-content-digest');
  if (stored !== undefined && stored.startsWith('sha256:') && stored !== digest) {
    throw new CorruptError(`${subject}: registry stored digest ${stored}, tpod sent ${digest}`);
  }
  return digest;
}

/** The body, refused early (by Content-Length) or as soon as it passes the limit. */
async function readManifestBody(response: HttpResponse, subject: string): Promise<Buffer> {
  const declared = Number(headerValue(response, 'content-length'));
  if (Number.isFinite(declared) && declared > MANIFEST_SIZE_LIMIT) {
    response.body.destroy();
    throw tooLarge(subject, `${declared} bytes`);
  }
  const bytes = await readBodyUpTo(response, MANIFEST_SIZE_LIMIT);
  if (bytes === undefined) throw tooLarge(subject, 'more than that');
  return bytes;
}

function tooLarge(subject: string, size: string): ResourceExhaustedError {
  return new ResourceExhaustedError(`${subject} is larger than the 4 MiB limit for manifests (${size})`);
}

/** distribution spec "Content Digests": content fetched by digest MUST be verified against it. */
function verifiedDigest(bytes: Buffer, reference: string, subject: string): Digest {
  if (!isDigest(reference)) return digestOf(bytes);
  if (!matchesDigest(bytes, reference)) {
    throw new CorruptError(`${subject}: content does not match the digest (got ${digestOf(bytes)})`);
  }
  return reference;
}
