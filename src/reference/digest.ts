/**
 * Content digests, `algorithm:encoded` (OCI image-spec, descriptor.md "Digests"). tpod accepts
 * the algorithms podman's go-digest can verify: sha256 (the registered default), sha384 and
 * sha512, each with its exact lowercase hex length, because a digest that cannot be verified
 * must never name content in the store.
 */
import { InvalidArgumentError } from '../errors.js';
import { DIGEST_ALGORITHM } from './grammar.js';

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha384: 96, sha512: 128 };

export class Digest {
  constructor(
    readonly algorithm: DigestAlgorithm,
    /** Lowercase hex of the hash (the spec's "encoded" part). */
    readonly encoded: string,
  ) {}

  /** `algorithm:encoded`, the form manifests, registries and the store use. */
  get value(): string {
    return `${this.algorithm}:${this.encoded}`;
  }

  toString(): string {
    return this.value;
  }
}

/** Parses and validates `algorithm:hex`; throws InvalidArgumentError naming the input. */
export function parseDigest(input: string): Digest {
  const problem = digestProblem(input);
  if (problem !== undefined) throw new InvalidArgumentError(`invalid digest: ${problem}: ${JSON.stringify(input)}`);
  const colon = input.indexOf(':');
  return new Digest(input.slice(0, colon) as DigestAlgorithm, input.slice(colon + 1));
}

export function isDigest(input: string): boolean {
  return digestProblem(input) === undefined;
}

function isSupportedAlgorithm(algorithm: string): algorithm is DigestAlgorithm {
  return Object.hasOwn(HEX_LENGTH, algorithm);
}

/**
 * What is wrong with a digest string, or undefined if nothing is. Shared with the reference
 * parser so `name@digest` and a bare digest fail the same way.
 */
export function digestProblem(input: string): string | undefined {
  const colon = input.indexOf(':');
  if (colon <= 0 || colon === input.length - 1) return 'digest must be algorithm:hex';
  const algorithm = input.slice(0, colon);
  const encoded = input.slice(colon + 1);
  if (!DIGEST_ALGORITHM.test(algorithm) || !/^[0-9a-fA-F]+$/.test(encoded)) {
    return 'digest must be algorithm:hex';
  }
  if (!isSupportedAlgorithm(algorithm)) return `unsupported digest algorithm ${algorithm} (use sha256, sha384 or sha512)`;
  const expected = HEX_LENGTH[algorithm];
  if (encoded.length !== expected) {
    return `${algorithm} digest must have ${expected} hex characters, not ${encoded.length}`;
  }
  if (encoded !== encoded.toLowerCase()) return 'digest hex must be lowercase';
  return undefined;
}
