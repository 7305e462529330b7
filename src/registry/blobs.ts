/**
 * Blobs over the distribution API: existence checks (HEAD, "Checking if content exists"),
 * downloads (blob-download.ts) and uploads ("Pushing blobs"): POST to open an upload
 * session, then one monolithic PUT with `?digest=`. With `mountFrom`, the POST first asks
 * the registry to mount the blob from another repository it already has (end-11), which
 * costs no upload at all when the registry agrees (201) and falls back to a normal upload
 * session when it does not (202).
 */
import type { Readable } from 'node:stream';
import { CorruptError, UnavailableError } from '../errors.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { startBlobDownload, type BlobStream } from './blob-download.js';
import { blobPath, repositoryScope, uploadPath } from './paths.js';
import type { RetryPolicy } from './retry.js';
import type { RegistrySession } from './session.js';
import { discardBody, headerValue } from './transport.js';

export interface UploadOptions {
  /** Try a cross-repository mount from this repository on the same registry first. */
  mountFrom?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface UploadResult {
  digest: Digest;
  size: number;
  /** True when the registry mounted the blob from `mountFrom` and nothing was sent. */
  mounted: boolean;
}

export function blobSubject(host: string, repository: string, digest: Digest): string {
  return `blob ${digest} in ${host}/${repository}`;
}

export async function blobExists(
  session: RegistrySession,
  repository: string,
  digest: Digest,
  signal?: AbortSignal,
): Promise<boolean> {
  const response = await session.send({
    method: 'HEAD',
    target: blobPath(repository, digest),
    scopes: [repositoryScope(repository, 'pull')],
    signal,
  });
  await discardBody(response);
  if (response.status === 404) return false;
  await session.expectStatus(response, [200], blobSubject(session.host, repository, digest));
  return true;
}

export function fetchBlob(
  session: RegistrySession,
  repository: string,
  descriptor: Descriptor,
  retry: RetryPolicy,
  signal?: AbortSignal,
): Promise<BlobStream> {
  return startBlobDownload({
    session,
    path: blobPath(repository, descriptor.digest),
    scopes: [repositoryScope(repository, 'pull')],
    descriptor,
    subject: blobSubject(session.host, repository, descriptor.digest),
    retry,
    signal,
  });
}

/**
 * Uploads `size` bytes that hash to `digest`. A Readable body is sent once (no retry): a
 * caller that wants retries passes bytes or calls again with a fresh stream.
 */
export async function uploadBlob(
  session: RegistrySession,
  repository: string,
  digest: Digest,
  size: number,
  body: Uint8Array | Readable,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const subject = blobSubject(session.host, repository, digest);
  const { mountFrom, signal } = options;
  const scopes = [repositoryScope(repository, 'pull,push')];
  if (mountFrom !== undefined) scopes.push(repositoryScope(mountFrom, 'pull'));
  const opened = await session.send({
    method: 'POST',
    target: uploadPath(repository, mountFrom === undefined ? undefined : { digest, from: mountFrom }),
    scopes,
    headers: { 'content-length': '0' },
    body: new Uint8Array(0),
    signal,
  });
  if (opened.status === 201 && mountFrom !== undefined) {
    await discardBody(opened);
    return { digest, size, mounted: true };
  }
  await session.expectStatus(opened, [202], subject);
  await discardBody(opened);
  const location = headerValue(opened, 'location');
  if (location === undefined) throw new UnavailableError(`registry ${session.host} opened an upload for ${subject} without a Location`);

  const target = new URL(location, opened.url);
  target.searchParams.append('digest', digest);
  const stored = await session.send({
    method: 'PUT',
    target: target.href,
    scopes,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body,
    signal,
  });
  await session.expectStatus(stored, [201, 204], subject);
  await discardBody(stored);
  const acknowledged = headerValue(stored, 'docker-content-digest');
  if (acknowledged !== undefined && acknowledged !== digest) {
    throw new CorruptError(`${subject}: registry stored it as ${acknowledged}`);
  }
  return { digest, size, mounted: false };
}
