/**
 * The container's environment: `-e`/`--env-file` parsing and the merge with the image's Env.
 *
 * Flags follow podman (pkg/env): `-e KEY=VALUE` sets a value; `-e KEY` copies KEY from
 * tpod's own environment and is dropped when KEY is unset there; `-e 'PREFIX*'` copies
 * every variable whose name starts with PREFIX. An env file holds one such entry per line;
 * blank lines and lines starting with `#` are skipped, values are taken verbatim (no quote
 * processing, as docker and podman).
 */
import { InvalidArgumentError } from '../errors.js';
import { hostEnvironment } from '../host-environment.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Resolves `-e` values, in order, into KEY=VALUE entries. */
export function parseEnvFlags(values: readonly string[], hostEnv: NodeJS.ProcessEnv = hostEnvironment()): string[] {
  return values.flatMap((value) => resolveEntry(value, value, hostEnv));
}

/** Resolves the text of an `--env-file`; `name` (the file's path) goes into errors. */
export function parseEnvFile(text: string, name: string, hostEnv: NodeJS.ProcessEnv = hostEnvironment()): string[] {
  const entries: string[] = [];
  for (const [i, rawLine] of text.split('\n').entries()) {
    const line = rawLine.replace(/\r$/, '').trimStart();
    if (line === '' || line.startsWith('#')) continue;
    entries.push(...resolveEntry(line, `${name}:${i + 1}`, hostEnv));
  }
  return entries;
}

function resolveEntry(entry: string, where: string, hostEnv: NodeJS.ProcessEnv): string[] {
  const eq = entry.indexOf('=');
  const key = eq === -1 ? entry : entry.slice(0, eq);
  checkKey(key, where);
  if (eq !== -1) return [entry];
  if (key.includes('*')) {
    if (key.indexOf('*') !== key.length - 1) {
      throw new InvalidArgumentError(`invalid environment variable ${JSON.stringify(where)}: only a trailing * is allowed`);
    }
    return fromHostByPrefix(key.slice(0, -1), hostEnv);
  }
  const value = hostEnv[key];
  return value === undefined ? [] : [`${key}=${value}`];
}

function fromHostByPrefix(prefix: string, hostEnv: NodeJS.ProcessEnv): string[] {
  return Object.entries(hostEnv)
    .filter((entry): entry is [string, string] => entry[0].startsWith(prefix) && entry[1] !== undefined)
    .map(([key, value]) => `${key}=${value}`);
}

function checkKey(key: string, where: string): void {
  if (key === '') throw new InvalidArgumentError(`invalid environment variable ${JSON.stringify(where)}: the name is empty`);
  if (/\s/.test(key)) {
    throw new InvalidArgumentError(`invalid environment variable ${JSON.stringify(where)}: the name contains whitespace`);
  }
}

export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq === -1 ? entry : entry.slice(0, eq);
}

/**
 * An ordered KEY=VALUE list where a later set() replaces an earlier key in place, so the
 * image's order survives and overrides do not duplicate keys (execve would see both, and
 * getenv(3) returns the first).
 */
export class EnvList {
  private readonly entries = new Map<string, string>();

  constructor(initial: readonly string[] = []) {
    for (const entry of initial) this.set(entry);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(entry: string): void {
    this.entries.set(envKey(entry), entry);
  }

  setDefault(key: string, value: string): void {
    if (!this.has(key)) this.entries.set(key, `${key}=${value}`);
  }

  toArray(): string[] {
    return [...this.entries.values()];
  }
}

export interface EnvDefaults {
  hostname?: string;
  home?: string;
  tty: boolean;
}

/**
 * The final process.env: the image's Env, then defaults for what it leaves unset (PATH,
 * container=tpod like podman's container=podman, TERM=xterm with a terminal, HOSTNAME and
 * HOME like podman), then the user's `-e`/`--env-file` entries, which win by key.
 */
export function mergeEnv(imageEnv: readonly string[] | undefined, defaults: EnvDefaults, userEnv: readonly string[]): string[] {
  const env = new EnvList(imageEnv ?? []);
  env.setDefault('PATH', DEFAULT_PATH);
  env.setDefault('container', 'tpod');
  if (defaults.tty) env.setDefault('TERM', 'xterm');
  if (defaults.hostname !== undefined) env.setDefault('HOSTNAME', defaults.hostname);
  env.setDefault('HOME', defaults.home ?? '/');
  for (const entry of userEnv) {
    if (!entry.includes('=')) {
      throw new InvalidArgumentError(`environment variable ${JSON.stringify(entry)} has no value: resolve -e entries with parseEnvFlags`);
    }
    checkKey(envKey(entry), entry);
    env.set(entry);
  }
  return env.toArray();
}
