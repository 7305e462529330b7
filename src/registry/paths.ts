/**
 * Endpoint paths of the distribution spec ("Endpoints" table), built only from names that
 * passed the reference grammar, so nothing a user typed can change the request path.
 */
import { InvalidArgumentError } from '../errors.js';
import { isDigest } from '../reference/digest.js';
import { NAME_MAX_LENGTH, PATH_COMPONENT, TAG } from '../reference/grammar.js';

/** A repository name: path components joined by `/` (`library/busybox`). */
export function checkRepository(repository: string): string {
  const valid =
    repository.length > 0 &&
    repository.length <= NAME_MAX_LENGTH &&
    repository.split('/').every((component) => PATH_COMPONENT.test(component));
  if (!valid) throw new InvalidArgumentError(`invalid repository name "${repository}"`);
  return repository;
}

/** A manifest reference: a tag or a digest. */
export function checkManifestReference(reference: string): string {
  if (!TAG.test(reference) && !isDigest(reference)) {
    throw new InvalidArgumentError(`invalid tag or digest "${reference}"`);
  }
  return reference;
}

/** end-1 (API version check): `/v2/` */
export const PING_PATH = '/v2/';

/** end-3, end-7: `/v2/<name>/manifests/<reference>` */
export function manifestPath(repository: string, reference: string): string {
  return `/v2/${checkRepository(repository)}/manifests/${checkManifestReference(reference)}`;
}

/** end-2: `/v2/<name>/blobs/<digest>` */
export function blobPath(repository: string, digest: string): string {
  if (!isDigest(digest)) throw new InvalidArgumentError(`invalid digest "${digest}"`);
  return `/v2/${checkRepository(repository)}/blobs/${digest}`;
}

/** end-4a: `/v2/<name>/blobs/uploads/`, optionally mounting from another repository (end-11). */
export function uploadPath(repository: string, mount?: { digest: string; from: string }): string {
  const base = `/v2/${checkRepository(repository)}/blobs/uploads/`;
  if (!mount) return base;
  const query = new URLSearchParams({ mount: mount.digest, from: checkRepository(mount.from) });
  return `${base}?${query.toString()}`;
}

/** end-8a: `/v2/<name>/tags/list` */
export function tagsPath(repository: string): string {
  return `/v2/${checkRepository(repository)}/tags/list`;
}

/** The scope a token must grant (token.md "Requesting a Token"): `repository:<name>:<actions>`. */
export function repositoryScope(repository: string, actions: 'pull' | 'pull,push'): string {
  return `repository:${checkRepository(repository)}:${actions}`;
}
