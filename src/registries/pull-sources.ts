/**
 * Where to pull a fully-qualified reference from (containers-registries.conf(5), "Remapping
 * and mirroring registries"): the mirrors of the matching [[registry]] table in file order,
 * then its primary location; each is the reference with the table's prefix replaced by that
 * endpoint's location. The reference's own name stays the image's name whatever endpoint
 * serves it.
 *
 * `blocked` applies to the endpoint actually contacted, as in containers/image: a mirror of
 * a blocked registry may still serve it; with no endpoint left the pull is refused.
 */
import { InvalidArgumentError, isTpodError, PermissionDeniedError } from '../errors.js';
import { type ImageReference, parseReference } from '../reference/reference.js';
import { findRegistryTable, prefixMatchLength } from './prefix.js';
import type { PullSource, RegistriesConfig, RegistryTable } from './types.js';

interface Endpoint {
  location: string;
  insecure: boolean;
  mirror: boolean;
}

export function resolvePullSources(ref: ImageReference, config: RegistriesConfig): PullSource[] {
  if (ref.shortName) {
    throw new InvalidArgumentError(
      `short name ${JSON.stringify(ref.familiar)} must be resolved against a search registry before pulling`,
    );
  }
  // The man page lets a prefix name a tag or digest, so match on the whole reference.
  const table = findRegistryTable(config.registries, ref.toString());
  if (table === undefined) return allowed([{ reference: ref, insecure: false, mirror: false }], ref, config);
  const sources = endpointsFor(table, ref.digest !== undefined).map((endpoint) => ({
    reference: rewriteReference(ref, table, endpoint.location),
    insecure: endpoint.insecure,
    mirror: endpoint.mirror,
  }));
  return allowed(sources, ref, config);
}

/**
 * `mirror-by-digest-only` keeps every mirror out of tag pulls, because a mirror's tag may
 * lag the primary's; a mirror's own `pull-from-mirror` narrows just that mirror.
 */
function endpointsFor(table: RegistryTable, digested: boolean): Endpoint[] {
  const mirrors = table.mirrors.filter((mirror) => {
    if (table.mirrorByDigestOnly) return digested;
    if (mirror.pullFromMirror === 'digest-only') return digested;
    if (mirror.pullFromMirror === 'tag-only') return !digested;
    return true;
  });
  return [
    ...mirrors.map((mirror) => ({ location: mirror.location, insecure: mirror.insecure, mirror: true })),
    { location: table.location, insecure: table.insecure, mirror: false },
  ];
}

function rewriteReference(ref: ImageReference, table: RegistryTable, location: string): ImageReference {
  // A wildcard prefix with no location only chooses settings; the reference stays as it is.
  if (location === '') return ref;
  const original = ref.toString();
  const rewritten = location + original.slice(prefixMatchLength(original, table.prefix));
  const context = `registry ${JSON.stringify(table.prefix)} in ${JSON.stringify(table.origin)} rewrites ${JSON.stringify(original)} to ${JSON.stringify(rewritten)}`;
  let parsed: ImageReference;
  try {
    parsed = parseReference(rewritten);
  } catch (err) {
    if (isTpodError(err)) throw new InvalidArgumentError(`${context}: ${err.message}`, { cause: err });
    throw err;
  }
  // Normalisation must not change it (containers/image ParseNamed): a location whose first
  // component is not a host would otherwise silently turn into a Docker Hub repository.
  if (parsed.shortName || parsed.toString() !== rewritten) {
    throw new InvalidArgumentError(`${context}, which is not a fully-qualified reference: location must start with a registry host`);
  }
  return parsed;
}

function allowed(sources: PullSource[], ref: ImageReference, config: RegistriesConfig): PullSource[] {
  let blockedBy: RegistryTable | undefined;
  const open = sources.filter((source) => {
    const table = findRegistryTable(config.registries, source.reference.toString());
    if (table?.blocked) blockedBy ??= table;
    return !table?.blocked;
  });
  if (open.length === 0 && blockedBy !== undefined) {
    throw new PermissionDeniedError(
      `pulling ${JSON.stringify(ref.toString())} is blocked: registry ${JSON.stringify(blockedBy.prefix)} has blocked = true in ${JSON.stringify(blockedBy.origin)}`,
    );
  }
  return open;
}
