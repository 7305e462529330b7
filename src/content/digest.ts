/**
 * Content digests as the OCI image spec writes them (descriptor.md, "Digests"):
 * `algorithm ":" encoded`. tpod stores and verifies sha256 only, the algorithm every
 * registry and every image in practice uses; anything else is refused by name rather than
 * half-supported.
 */
import { createHash, type Hash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

/** `sha256:` followed by 64 lower-case hex digits; only `validateDigest` makes one. */
export type Digest = `sha256:${string}` & { readonly __digest: unique symbol };

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
/** The spec's grammar for any algorithm, to tell "unsupported" from "malformed". */
const ANY_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && SHA256_DIGEST.test(value);
}

/** Returns `value` as a Digest or throws naming it. */
export function validateDigest(value: string): Digest {
  if (isDigest(value)) return value;
  if (ANY_DIGEST.test(value) && !value.startsWith('sha256:')) {
    const algorithm = value.slice(0, value.indexOf(':'));
    throw new InvalidArgumentError(`unsupported digest algorithm "${algorithm}" in "${value}"`, {
      hint: 'tpod stores sha256 content only',
    });
  }
  throw new InvalidArgumentError(`invalid digest "${value}": want sha256:<64 hex digits>`);
}

/** The 64 hex digits, used as a file name. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

export function sha256Digest(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/**
 * Hashes and counts a stream as it passes, so a blob's digest and size are known the moment
 * its last byte is written, without reading it twice.
 */
export class Digester {
  #hash: Hash = createHash('sha256');
  #size = 0;
  #digest: Digest | undefined;

  update(chunk: Uint8Array): void {
    if (this.#digest) throw new Error('Digester updated after digest()');
    this.#hash.update(chunk);
    this.#size += chunk.length;
  }

  get size(): number {
    return this.#size;
  }

  /** Finishes the hash; later calls return the same digest. */
  digest(): Digest {
    this.#digest ??= `sha256:${this.#hash.digest('hex')}` as Digest;
    return this.#digest;
  }
}
