/**
 * The image reference grammar of docker/distribution, as podman's containers/image keeps it
 * (docker/reference/regexp.go there):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain "/"] path-component ["/" path-component]*
 *   domain           := domain-component ["." domain-component]* [":" port-number]
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   port-number      := /[0-9]+/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := [_.] | __ | [-]*   (regex alternatives)
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := algorithm ":" hex          (see ./digest.ts)
 *
 * Every pattern here is anchored and tests one piece, so the parser can say which piece is
 * wrong. They are written to avoid nested ambiguous repeats: Go's RE2 is linear whatever the
 * pattern, V8's backtracking engine is not.
 */

/** One DNS label: letters, digits and inner hyphens (upper case allowed, as in Go). */
const DOMAIN_COMPONENT = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';

/** `host[:port]`; also the only form `unqualified-search-registries` entries may take. */
export const DOMAIN = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?$`);

/**
 * One path component. The grammar's separator `[-]*` may be empty, which only glues two
 * alpha-numeric runs together, so `-+` accepts the same language without the catastrophic
 * backtracking `([a-z0-9]+)*` would have in V8.
 */
export const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export const TAG = /^[\w][\w.-]{0,127}$/;

/** A digest's algorithm part, before it is checked against the algorithms tpod can verify. */
export const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;

/** A full image ID; the grammar refuses it as a repository name so it cannot shadow an ID. */
export const IMAGE_ID = /^[a-f0-9]{64}$/;

/** Longest `registry/repository` the distribution spec allows (NameTotalLengthMax). */
export const NAME_MAX_LENGTH = 255;
