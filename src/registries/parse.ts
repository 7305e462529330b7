/**
 * One registries.conf file: TOML text to validated tables. The checks are the ones
 * containers/image applies when it loads a file (sysregistriesv2 postProcessRegistries), so a
 * file podman refuses, tpod refuses too, with the file named in a one-line message. Keys tpod
 * does not act on (aliases, short-name-mode, credential-helpers) are ignored, as podman
 * ignores keys it does not know.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { InvalidArgumentError } from '../errors.js';
import { DOMAIN } from '../reference/grammar.js';
import type { Mirror, PullFromMirror, RegistryTable } from './types.js';

/** What one file says; `unqualifiedSearchRegistries` is undefined when the key is absent. */
export interface RegistriesFile {
  unqualifiedSearchRegistries: string[] | undefined;
  registries: RegistryTable[];
}

type Table = Record<string, unknown>;

const PULL_FROM_MIRROR: readonly PullFromMirror[] = ['all', 'digest-only', 'tag-only'];

export function parseRegistriesFile(text: string, file: string): RegistriesFile {
  const fail = (detail: string, hint?: string): InvalidArgumentError =>
    new InvalidArgumentError(`invalid registries configuration ${JSON.stringify(file)}: ${detail}`, hint === undefined ? {} : { hint });
  const document = parseTomlDocument(text, fail);
  // Version 1 keeps everything under [registries.*]; version 2 has no such key.
  if (Object.hasOwn(document, 'registries')) {
    throw fail(
      'version 1 format ([registries.search], [registries.insecure], [registries.block]) is not supported',
      'rewrite it in version 2: unqualified-search-registries = [...] and [[registry]] tables, see containers-registries.conf(5)',
    );
  }
  const registries = tablesOf(document, 'registry', 'registry', fail).map((table, index) =>
    registryTable(table, `[[registry]] #${index + 1}`, file, fail),
  );
  checkConflicts(registries, fail);
  return {
    unqualifiedSearchRegistries: searchRegistriesOf(document, fail),
    registries: uniqueByPrefix(registries),
  };
}

type Fail = (detail: string, hint?: string) => InvalidArgumentError;

function parseTomlDocument(text: string, fail: Fail): Table {
  try {
    return parseToml(text) as Table;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml's message carries a multi-line code frame; its first line says what is wrong.
    const what = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw fail(`invalid TOML at line ${err.line}, column ${err.column}: ${what}`);
  }
}

function searchRegistriesOf(document: Table, fail: Fail): string[] | undefined {
  const key = 'unqualified-search-registries';
  const value = document[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw fail(`${key} must be an array of host[:port] strings`);
  return value.map((entry) => {
    if (typeof entry !== 'string') throw fail(`${key} must be an array of host[:port] strings`);
    const host = trimLocation(entry, key, fail);
    // Entries are hosts, not prefixes: a namespace here would be silently misused.
    if (!DOMAIN.test(host)) throw fail(`${key} entry ${JSON.stringify(entry)} is not host[:port]`);
    return host;
  });
}

function registryTable(table: Table, where: string, origin: string, fail: Fail): RegistryTable {
  const location = trimLocation(stringField(table, 'location', where, fail) ?? '', `${where} location`, fail);
  const prefixField = stringField(table, 'prefix', where, fail);
  const prefix = prefixField === undefined || prefixField === '' ? location : trimLocation(prefixField, `${where} prefix`, fail);
  if (prefix === '') throw fail(`${where}: both location and prefix are unset`);
  const wildcard = prefix.startsWith('*.');
  if (location === '' && !wildcard) throw fail(`${where}: location is unset and prefix ${JSON.stringify(prefix)} is not in the format *.example.com`);
  if (wildcard && /[/@:]/.test(prefix)) {
    throw fail(`${where}: wildcarded prefix must be in the format *.example.com, not ${JSON.stringify(prefix)}`);
  }
  if (table['pull-from-mirror'] !== undefined) {
    throw fail(`${where}: pull-from-mirror must not be set for a non-mirror registry ${JSON.stringify(prefix)}`);
  }
  const mirrorByDigestOnly = booleanField(table, 'mirror-by-digest-only', where, fail);
  const mirrors = tablesOf(table, 'mirror', `${where} mirror`, fail).map((mirror, index) =>
    mirrorTable(mirror, `${where} mirror #${index + 1}`, mirrorByDigestOnly, fail),
  );
  return {
    prefix,
    location,
    insecure: booleanField(table, 'insecure', where, fail),
    blocked: booleanField(table, 'blocked', where, fail),
    mirrorByDigestOnly,
    mirrors,
    origin,
  };
}

function mirrorTable(table: Table, where: string, mirrorByDigestOnly: boolean, fail: Fail): Mirror {
  const location = trimLocation(stringField(table, 'location', where, fail) ?? '', `${where} location`, fail);
  if (location === '') throw fail(`${where}: location is unset`);
  const pullFromMirror = stringField(table, 'pull-from-mirror', where, fail);
  if (pullFromMirror !== undefined && pullFromMirror !== '') {
    if (mirrorByDigestOnly) {
      throw fail(`${where}: pull-from-mirror cannot be set when the registry sets mirror-by-digest-only`);
    }
    if (!(PULL_FROM_MIRROR as readonly string[]).includes(pullFromMirror)) {
      throw fail(`${where}: unsupported pull-from-mirror value ${JSON.stringify(pullFromMirror)} (use all, digest-only or tag-only)`);
    }
  }
  return {
    location,
    insecure: booleanField(table, 'insecure', where, fail),
    pullFromMirror: pullFromMirror === undefined || pullFromMirror === '' ? 'all' : (pullFromMirror as PullFromMirror),
  };
}

/**
 * A registry may appear under several prefixes (to give namespaces different mirrors), but
 * its security settings must agree, or which one applies would depend on the image name.
 */
function checkConflicts(registries: RegistryTable[], fail: Fail): void {
  const byLocation = new Map<string, RegistryTable>();
  for (const table of registries) {
    const key = table.location === '' ? table.prefix : table.location;
    const first = byLocation.get(key);
    if (first === undefined) {
      byLocation.set(key, table);
      continue;
    }
    for (const setting of ['insecure', 'blocked'] as const) {
      if (first[setting] !== table[setting]) {
        throw fail(`registry ${JSON.stringify(key)} is defined multiple times with conflicting ${setting} setting`);
      }
    }
  }
}

/** Within one file the first table for a prefix wins; later ones could never match. */
function uniqueByPrefix(registries: RegistryTable[]): RegistryTable[] {
  const unique = new Map<string, RegistryTable>();
  for (const table of registries) if (!unique.has(table.prefix)) unique.set(table.prefix, table);
  return [...unique.values()].sort((a, b) => compareStrings(a.prefix, b.prefix));
}

/** Byte order, as Go's sort.Strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Trailing slashes are dropped; URL schemes are refused (TLS is chosen by `insecure`). */
function trimLocation(value: string, where: string, fail: Fail): string {
  const trimmed = value.replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) {
    throw fail(`${where} ${JSON.stringify(value)}: URI schemes are not supported (use insecure = true for plain HTTP)`);
  }
  return trimmed;
}

function tablesOf(parent: Table, key: string, where: string, fail: Fail): Table[] {
  const value = parent[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isTable)) throw fail(`${where} must be an array of tables ([[${where}]])`);
  return value;
}

function stringField(table: Table, key: string, where: string, fail: Fail): string | undefined {
  const value = table[key];
  if (value !== undefined && typeof value !== 'string') throw fail(`${where}: ${key} must be a string`);
  return value;
}

function booleanField(table: Table, key: string, where: string, fail: Fail): boolean {
  const value = table[key];
  if (value !== undefined && typeof value !== 'boolean') throw fail(`${where}: ${key} must be true or false`);
  return value ?? false;
}

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
