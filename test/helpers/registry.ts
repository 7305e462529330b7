/**
 * The registry harness (test/harness/registry.mjs, plain JavaScript so the driver needs no
 * build) for compiled tests that want their own registry, e.g. one with Basic auth:
 *
 *   const dir = tempDir('tpod-registry-');
 *   await addHtpasswdUser(`${dir.path}/htpasswd`, 'tuser', 'secret');
 *   const reg = await startRegistry({ dir: dir.path, auth: { htpasswd: `${dir.path}/htpasswd`, username: 'tuser', password: 'secret' } });
 *   t.after(async () => { await reg.stop(); dir.remove(); });
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixturesDir } from './env.js';
import { repoRoot } from './paths.js';

type RegistryModule = typeof import('../harness/registry.mjs');
export type { Credentials, Registry, RegistryAuth } from '../harness/registry.mjs';

// Loaded by absolute path: the relative path from dist/test/helpers differs from the source's.
const mod = (await import(pathToFileURL(join(repoRoot, 'test', 'harness', 'registry.mjs')).href)) as RegistryModule;

export const { startRegistry, pushFixtures, addHtpasswdUser, freePort, FIXTURE_PUSHES } = mod;

/** A registry with Basic auth (htpasswd) for one user, holding the fixture images. */
export async function startAuthRegistry(dir: string, username: string, password: string): Promise<import('../harness/registry.mjs').Registry> {
  const htpasswd = join(dir, 'htpasswd');
  await addHtpasswdUser(htpasswd, username, password);
  const registry = await startRegistry({ dir: join(dir, 'data'), auth: { htpasswd, username, password } });
  await pushFixtures(registry, fixturesDir());
  return registry;
}
