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
import { repoRoot } from './paths.js';

type RegistryModule = typeof import('../harness/registry.mjs');
export type { Credentials, Registry, RegistryAuth } from '../harness/registry.mjs';

// Loaded by absolute path: the relative path from dist/test/helpers differs from the source's.
const mod = (await import(pathToFileURL(join(repoRoot, 'test', 'harness', 'registry.mjs')).href)) as RegistryModule;

export const { startRegistry, pushFixtures, addHtpasswdUser, freePort, FIXTURE_PUSHES } = mod;
