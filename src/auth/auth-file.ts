/**
 * Registry credentials as podman keeps them (containers-auth.json(5)): a JSON file
 * `{"auths": {"KEY": {"auth": base64("user:password")}}}` where KEY is a registry host
 * (`quay.io`) or a host with a repository namespace (`quay.io/team`) for per-namespace
 * logins. tpod reads and writes the same file podman does, so `podman login` serves
 * `tpod pull` and the other way round.
 *
 * Where it lives: `--authfile`, else `REGISTRY_AUTH_FILE`, else
 * `$XDG_RUNTIME_DIR/containers/auth.json` (rootless) or `/run/containers/0/auth.json` (root).
 * When neither override is given, lookups also read `$XDG_CONFIG_HOME/containers/auth.json`
 * and Docker's `~/.docker/config.json` (same format), as containers/image does; a path the
 * user named is the only one read.
 *
 * This module is the file format and its locations only; no network (see login.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CorruptError, InvalidArgumentError, fromSystemError } from '../errors.js';
import type { Credentials } from '../registry/index.js';

export interface AuthEntry {
  auth?: string;
  identitytoken?: string;
  [field: string]: unknown;
}

/** The whole file; fields tpod does not know (credHelpers, …) are kept as they were. */
export interface AuthFile {
  auths: Record<string, AuthEntry>;
  [field: string]: unknown;
}

export interface AuthFileOptions {
  /** `--authfile`: the only file read and written. */
  authFile?: string | undefined;
}

interface Environment {
  env: NodeJS.ProcessEnv;
  uid: number;
}

const currentEnvironment = (): Environment => ({ env: process.env, uid: process.geteuid?.() ?? 0 });

/** The file login writes and logout edits, and whether the user named it. */
export function authFilePath(options: AuthFileOptions = {}, { env, uid } = currentEnvironment()): { path: string; userSpecified: boolean } {
  if (options.authFile) return { path: options.authFile, userSpecified: true };
  if (env.REGISTRY_AUTH_FILE) return { path: env.REGISTRY_AUTH_FILE, userSpecified: true };
  if (uid !== 0 && env.XDG_RUNTIME_DIR) return { path: join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'), userSpecified: false };
  // containers/image's fallback without XDG_RUNTIME_DIR, and root's fixed place.
  return { path: join('/run/containers', String(uid), 'auth.json'), userSpecified: false };
}

/** Every file a credential lookup reads, most authoritative first. */
export function authLookupPaths(options: AuthFileOptions = {}, environment = currentEnvironment()): string[] {
  const primary = authFilePath(options, environment);
  if (primary.userSpecified) return [primary.path];
  const { env } = environment;
  const home = env.HOME || homedir();
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const dockerConfig = env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(home, '.docker', 'config.json');
  return [primary.path, join(configHome, 'containers', 'auth.json'), dockerConfig];
}

/** Parses the text of an auth file; `what` names it in errors. */
export function parseAuthFile(text: string, what: string): AuthFile {
  if (text.trim() === '') return { auths: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CorruptError(`${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CorruptError(`${what} is not a JSON object`);
  const file = value as Record<string, unknown>;
  const auths = file.auths ?? {};
  if (!auths || typeof auths !== 'object' || Array.isArray(auths)) throw new CorruptError(`${what}: "auths" is not a JSON object`);
  return { ...file, auths: auths as Record<string, AuthEntry> };
}

/** The file's content, or an empty one if it does not exist. */
export function readAuthFile(path: string): AuthFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { auths: {} };
    throw fromSystemError(err, `reading ${path}`);
  }
  return parseAuthFile(text, path);
}

/**
 * Replaces the file atomically (temporary file in the same directory, fsync, rename), mode
 * 0600 since it holds passwords; a reader never sees half a file and a crash loses nothing.
 */
export function writeAuthFile(path: string, file: AuthFile): void {
  const dir = dirname(path);
  const temporary = join(dir, `.${randomBytes(6).toString('hex')}.auth.json.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, `${JSON.stringify(file, null, '\t')}\n`, { mode: 0o600, flag: 'wx' });
    const fd = openSync(temporary, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw fromSystemError(err, `writing ${path}`);
  }
}

export function encodeAuth(credentials: Credentials): string {
  return Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
}

/** An entry's credentials, or undefined if it holds none (an empty or malformed `auth`). */
export function decodeEntry(entry: AuthEntry | undefined): Credentials | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const token = typeof entry.identitytoken === 'string' && entry.identitytoken ? entry.identitytoken : undefined;
  let username = '';
  let password = '';
  if (typeof entry.auth === 'string' && entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (token) return { username: username || '<token>', password, identityToken: token };
  return username ? { username, password } : undefined;
}

/**
 * What a key names once Docker's habits are undone: `https://index.docker.io/v1/` is
 * docker.io, a scheme and trailing slash mean nothing.
 */
export function normalizeAuthKey(key: string): string {
  const hasScheme = /^https?:\/\//.test(key);
  const stripped = key.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const slash = stripped.indexOf('/');
  const rawHost = slash < 0 ? stripped : stripped.slice(0, slash);
  const host = rawHost === 'index.docker.io' || rawHost === 'registry-1.docker.io' ? 'docker.io' : rawHost;
  // Legacy keys with a scheme name a whole registry (Docker's carries `/v1/`), never a namespace.
  return hasScheme || slash < 0 ? host : `${host}${stripped.slice(slash)}`;
}

/**
 * The keys that would hold credentials for `host/repository`, most specific first, as
 * containers/image looks them up: `host/a/b`, `host/a`, `host`.
 */
export function candidateKeys(host: string, repository?: string): string[] {
  const keys: string[] = [];
  if (repository) {
    const parts = repository.split('/');
    for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join('/')}`);
  }
  keys.push(host);
  return keys;
}

/** Looks `host/repository` up in one parsed file. */
export function findCredentials(file: AuthFile, host: string, repository?: string): Credentials | undefined {
  const byKey = new Map<string, AuthEntry>();
  for (const [key, entry] of Object.entries(file.auths)) {
    const normalized = normalizeAuthKey(key);
    // An exact key wins over one that only normalizes to the same name.
    if (key === normalized || !byKey.has(normalized)) byKey.set(normalized, entry);
  }
  for (const key of candidateKeys(host, repository)) {
    const credentials = decodeEntry(byKey.get(key));
    if (credentials) return credentials;
  }
  return undefined;
}

/**
 * The stored credentials for a registry (and repository), from the first file that has
 * any; undefined when none do. A damaged file is an error, not silently "no credentials":
 * the user would otherwise chase a 401 that has nothing to do with the registry.
 */
export function credentialsFor(host: string, repository?: string, options: AuthFileOptions = {}): Credentials | undefined {
  for (const path of authLookupPaths(options)) {
    const credentials = findCredentials(readAuthFile(path), host, repository);
    if (credentials) return credentials;
  }
  return undefined;
}

/**
 * What `tpod login REGISTRY` means by REGISTRY: the key to store under (a host, or a host
 * with a namespace) and the host to verify against. A scheme is dropped, as podman does.
 */
export function parseLoginTarget(input: string): { key: string; host: string } {
  const key = input.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!key || /\s/.test(key)) throw new InvalidArgumentError(`invalid registry "${input}"`);
  const slash = key.indexOf('/');
  const rawHost = slash < 0 ? key : key.slice(0, slash);
  if (key.includes('@') || (slash >= 0 && key.slice(slash).includes(':'))) {
    throw new InvalidArgumentError(`invalid registry "${input}": credentials can be stored for a registry or a namespace, not an image`);
  }
  const host = normalizeAuthKey(rawHost);
  return { key: normalizeAuthKey(key), host };
}
