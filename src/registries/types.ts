/**
 * The parts of containers-registries.conf(5) version 2 that tpod acts on. Field names follow
 * the file's keys; every value is already validated and normalised (no trailing "/", prefix
 * defaulted to location) by ./parse.ts.
 */
import type { ImageReference } from '../reference/reference.js';

/** `pull-from-mirror`: which references a mirror may serve. */
export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

/** One `[[registry.mirror]]` table. */
export interface Mirror {
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

/** One `[[registry]]` table. */
export interface RegistryTable {
  /** What a reference must start with; `*.example.com` matches subdomains. */
  prefix: string;
  /** Where the prefix-rooted namespace really lives; empty only for a wildcard prefix (no rewrite). */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Mirror[];
  /** The file that defined this table, for messages. */
  origin: string;
}

export interface RegistriesConfig {
  /** Undefined when no file set the key, so tpod's default applies (see searchRegistries). */
  unqualifiedSearchRegistries: string[] | undefined;
  /** The file that set unqualifiedSearchRegistries. */
  searchRegistriesOrigin: string | undefined;
  /** One table per prefix, sorted by prefix (as containers/image keeps them). */
  registries: RegistryTable[];
  /** Files read, in the order they were applied. */
  files: string[];
}

/** One place to try a pull from, in the order to try them. */
export interface PullSource {
  /** The reference rewritten to this endpoint's location. */
  reference: ImageReference;
  /** Plain HTTP and unverified TLS are allowed. */
  insecure: boolean;
  mirror: boolean;
}
