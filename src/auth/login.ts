/**
 * `tpod login` / `tpod logout`: credentials are proved against the registry before they
 * are written, so a typo never lands in auth.json; logout only edits the file (podman's
 * behaviour: no registry round trip).
 */
import { NotFoundError, PermissionDeniedError } from '../errors.js';
import { RegistryClient, type Credentials } from '../registry/index.js';
import {
  authFilePath,
  authLookupPaths,
  encodeAuth,
  findCredentials,
  normalizeAuthKey,
  parseLoginTarget,
  readAuthFile,
  writeAuthFile,
  type AuthFileOptions,
} from './auth-file.js';

export interface RegistryConnectionOptions extends AuthFileOptions {
  tlsVerify?: boolean | undefined;
  certDir?: string | undefined;
}

/** Checks `credentials` with the registry named by `target`; throws a one-line error if refused. */
export async function verifyLogin(target: string, credentials: Credentials, options: RegistryConnectionOptions = {}): Promise<void> {
  const { host } = parseLoginTarget(target);
  const client = new RegistryClient({
    host,
    credentials,
    ...(options.tlsVerify !== undefined ? { tlsVerify: options.tlsVerify } : {}),
    ...(options.certDir ? { certDir: options.certDir } : {}),
  });
  try {
    await client.verifyCredentials();
  } catch (err) {
    if (err instanceof PermissionDeniedError) {
      throw new PermissionDeniedError(`logging into "${target}": invalid username/password`, { cause: err });
    }
    throw err;
  } finally {
    await client.close();
  }
}

/** Verifies, then stores the credentials; returns the auth file written. */
export async function login(target: string, credentials: Credentials, options: RegistryConnectionOptions = {}): Promise<string> {
  const { key } = parseLoginTarget(target);
  await verifyLogin(target, credentials, options);
  const { path } = authFilePath(options);
  const file = readAuthFile(path);
  // Podman replaces the whole entry: an old identity token must not outlive a new password.
  file.auths[key] = { auth: encodeAuth(credentials) };
  writeAuthFile(path, file);
  return path;
}

/** Credentials already stored for `target`, looked up as pull would find them. */
export function storedCredentials(target: string, options: AuthFileOptions = {}): Credentials | undefined {
  const { key } = parseLoginTarget(target);
  const slash = key.indexOf('/');
  const host = slash < 0 ? key : key.slice(0, slash);
  const repository = slash < 0 ? undefined : key.slice(slash + 1);
  for (const path of authLookupPaths(options)) {
    const credentials = findCredentials(readAuthFile(path), host, repository);
    if (credentials) return credentials;
  }
  return undefined;
}

/** Removes the entry for `target` from the auth file; a missing entry is a NotFoundError. */
export function logout(target: string, options: AuthFileOptions = {}): void {
  const { key } = parseLoginTarget(target);
  const { path } = authFilePath(options);
  const file = readAuthFile(path);
  const matching = Object.keys(file.auths).filter((existing) => normalizeAuthKey(existing) === key);
  if (matching.length === 0) {
    // Podman's wording when only Docker's file has them: tpod does not edit Docker's file.
    const elsewhere = authLookupPaths(options)
      .slice(1)
      .some((other) => Object.keys(readAuthFile(other).auths).some((existing) => normalizeAuthKey(existing) === key));
    if (elsewhere) {
      throw new NotFoundError(`not logged into ${target} with current tool: existing credentials were established via docker login`, {
        hint: 'use docker logout instead',
      });
    }
    throw new NotFoundError(`not logged into ${target}`);
  }
  for (const existing of matching) delete file.auths[existing];
  writeAuthFile(path, file);
}

/** `logout --all`: every entry goes; the file stays (empty), as podman leaves it. */
export function logoutAll(options: AuthFileOptions = {}): void {
  const { path } = authFilePath(options);
  const file = readAuthFile(path);
  file.auths = {};
  writeAuthFile(path, file);
}
