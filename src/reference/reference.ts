/**
 * Image references, parsed and normalised as podman does (containers/image's
 * docker/reference ParseNormalizedNamed, then TagNameOnly):
 *
 *   busybox                   -> docker.io/library/busybox:latest   (short name)
 *   user/img                  -> docker.io/user/img:latest          (short name)
 *   docker.io/busybox         -> docker.io/library/busybox:latest
 *   quay.io/podman/stable     -> quay.io/podman/stable:latest
 *   localhost:5000/a/b:v1     -> localhost:5000/a/b:v1
 *   img:tag@sha256:...        -> tag and digest both kept; the digest is what is pulled
 *
 * The first path component names a registry only if it contains "." or ":" or is
 * "localhost"; otherwise the whole input is a repository on Docker Hub. A reference without
 * a registry is a short name: podman resolves it against local images first, then against
 * each of registries.conf's unqualified-search-registries (see `withRegistry`). Until then
 * it carries Docker Hub's normalisation, which is also what docker would pull.
 */
import { InvalidArgumentError } from '../errors.js';
import { digestProblem } from './digest.js';
import { DOMAIN, IMAGE_ID, NAME_MAX_LENGTH, PATH_COMPONENT, TAG } from './grammar.js';

export { Digest, type DigestAlgorithm, isDigest, parseDigest } from './digest.js';

export const DOCKER_HUB = 'docker.io';
/** Docker Hub's old index host; the reference library rewrites it to docker.io. */
const LEGACY_DOCKER_HUB = 'index.docker.io';
/** Docker Hub's namespace for official images, implied by a one-component name. */
const OFFICIAL_NAMESPACE = 'library';
export const DEFAULT_TAG = 'latest';

export interface ReferenceParts {
  registry: string;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
  shortName: boolean;
  /** The repository path as typed, before Docker Hub's `library/`; see withRegistry. */
  searchPath: string;
}

export class ImageReference {
  /** Registry host[:port], e.g. docker.io, quay.io, localhost:5000. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  readonly repository: string;
  /** `latest` when neither a tag nor a digest was given; absent for digest-only references. */
  readonly tag: string | undefined;
  /** `algorithm:hex`, validated. */
  readonly digest: string | undefined;
  /** True when the input named no registry, so search registries decide where it comes from. */
  readonly shortName: boolean;
  readonly #searchPath: string;

  /** Use parseReference; the parts are trusted to be valid here. */
  constructor(parts: ReferenceParts) {
    this.registry = parts.registry;
    this.repository = parts.repository;
    this.tag = parts.tag;
    this.digest = parts.digest;
    this.shortName = parts.shortName;
    this.#searchPath = parts.searchPath;
  }

  /** `registry/repository`, the repository's full name. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** `registry/repository:tag`; undefined for a digest-only reference (podman stores those untagged). */
  get nameWithTag(): string | undefined {
    return this.tag === undefined ? undefined : `${this.name}:${this.tag}`;
  }

  /**
   * What to ask the registry for (distribution spec, GET /v2/<name>/manifests/<reference>):
   * the digest when there is one, since it pins the content whatever the tag now points at.
   */
  get manifestReference(): string {
    return this.digest ?? this.tag ?? DEFAULT_TAG;
  }

  /** Docker's familiar form: docker.io/ and library/ dropped, e.g. busybox:latest. */
  get familiar(): string {
    return formatReference(familiarName(this.registry, this.repository), this.tag, this.digest);
  }

  /** The full normalised form, e.g. docker.io/library/busybox:latest. */
  toString(): string {
    return formatReference(this.name, this.tag, this.digest);
  }

  /**
   * Resolves a short name against one unqualified-search registry: `busybox` on quay.io is
   * quay.io/busybox, on docker.io it is docker.io/library/busybox (the `library/` namespace
   * exists only on Docker Hub). Tag and digest are kept.
   */
  withRegistry(host: string): ImageReference {
    if (!this.shortName) {
      throw new InvalidArgumentError(`cannot resolve ${JSON.stringify(this.toString())} against a search registry: it is not a short name`);
    }
    const registry = host.replace(/\/+$/, '');
    if (!DOMAIN.test(registry)) {
      throw new InvalidArgumentError(`invalid registry host: must be host[:port]: ${JSON.stringify(host)}`);
    }
    // podman would turn `myreg` + `busybox` into docker.io/myreg/busybox; refuse instead, so a
    // resolved name always reads back as the registry it was resolved against.
    if (!isRegistryHost(registry)) {
      throw new InvalidArgumentError(
        `search registry ${JSON.stringify(host)} would be read as a Docker Hub namespace: a registry host needs a "." or ":port", or must be localhost`,
      );
    }
    const input = formatReference(`${registry}/${this.#searchPath}`, this.tag, this.digest);
    return buildReference(input, registry, this.#searchPath, this.tag, this.digest, false);
  }
}

/** Parses an image reference as `podman pull` would; throws InvalidArgumentError naming the input. */
export function parseReference(input: string): ImageReference {
  if (input === '') throw invalidReference(input, 'repository name must have at least one component');
  if (IMAGE_ID.test(input)) throw invalidReference(input, 'cannot specify 64-byte hexadecimal strings');
  const { name, digest } = splitDigest(input);
  const { host, remainder } = splitRegistry(name);
  const { path, tag } = splitTag(remainder);
  if (host !== undefined && !DOMAIN.test(host)) throw invalidReference(input, `invalid registry host ${JSON.stringify(host)}`);
  if (digest !== undefined) {
    const problem = digestProblem(digest);
    if (problem !== undefined) throw invalidReference(input, problem);
  }
  return buildReference(input, host ?? DOCKER_HUB, path, tag, digest, host === undefined);
}

/** Common checks and normalisation for parsed and re-homed references. */
function buildReference(
  input: string,
  host: string,
  path: string,
  tag: string | undefined,
  digest: string | undefined,
  shortName: boolean,
): ImageReference {
  // containers/image checks case first, so `BusyBox` gets the message that says what to fix.
  if (path !== path.toLowerCase()) throw invalidReference(input, 'repository name must be lowercase');
  if (!path.split('/').every((component) => PATH_COMPONENT.test(component))) throw invalidReference(input);
  if (tag !== undefined && !TAG.test(tag)) throw invalidReference(input, `invalid tag ${JSON.stringify(tag)}`);
  const registry = host === LEGACY_DOCKER_HUB ? DOCKER_HUB : host;
  const repository = registry === DOCKER_HUB && !path.includes('/') ? `${OFFICIAL_NAMESPACE}/${path}` : path;
  if (registry.length + 1 + repository.length > NAME_MAX_LENGTH) {
    throw invalidReference(input, `repository name must not be more than ${NAME_MAX_LENGTH} characters`);
  }
  // TagNameOnly: a bare name means :latest, a digest alone stays untagged.
  const effectiveTag = tag === undefined && digest === undefined ? DEFAULT_TAG : tag;
  return new ImageReference({ registry, repository, tag: effectiveTag, digest, shortName, searchPath: path });
}

/** Splits at the first "@": names and tags cannot contain one. */
function splitDigest(input: string): { name: string; digest: string | undefined } {
  const at = input.indexOf('@');
  return at === -1 ? { name: input, digest: undefined } : { name: input.slice(0, at), digest: input.slice(at + 1) };
}

/** The first component is a registry only if it has "." or ":" or is localhost (splitDockerDomain). */
function splitRegistry(name: string): { host: string | undefined; remainder: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { host: undefined, remainder: name };
  const first = name.slice(0, slash);
  return isRegistryHost(first) ? { host: first, remainder: name.slice(slash + 1) } : { host: undefined, remainder: name };
}

function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** Once the registry (which may carry a port) is gone, the first ":" starts the tag. */
function splitTag(remainder: string): { path: string; tag: string | undefined } {
  const colon = remainder.indexOf(':');
  return colon === -1 ? { path: remainder, tag: undefined } : { path: remainder.slice(0, colon), tag: remainder.slice(colon + 1) };
}

function familiarName(registry: string, repository: string): string {
  if (registry !== DOCKER_HUB) return `${registry}/${repository}`;
  const official = `${OFFICIAL_NAMESPACE}/`;
  const rest = repository.slice(official.length);
  return repository.startsWith(official) && !rest.includes('/') ? rest : repository;
}

function formatReference(name: string, tag: string | undefined, digest: string | undefined): string {
  return `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

/** podman's wording ("invalid reference format: ..."), plus the input so the user sees it. */
function invalidReference(input: string, detail?: string): InvalidArgumentError {
  const why = detail === undefined ? '' : `: ${detail}`;
  return new InvalidArgumentError(`invalid reference format${why}: ${JSON.stringify(input)}`);
}
