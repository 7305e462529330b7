/**
 * Hashing bytes into digests (image-spec descriptor.md "Digests"). Parsing and validating
 * digest strings belongs to src/reference/digest.ts; this file only computes them, so a
 * manifest's bytes and its name are checked with the same algorithm the name uses.
 */
import { createHash } from 'node:crypto';
import { parseDigest, type DigestAlgorithm } from '../reference/digest.js';
import type { Digest } from './types.js';

/** `sha256:<hex>` of `bytes` (or another algorithm tpod can verify). */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** True when `bytes` hash to `digest` with the digest's own algorithm. */
export function matchesDigest(bytes: Uint8Array, digest: Digest): boolean {
  return digestOf(bytes, parseDigest(digest).algorithm) === digest;
}
