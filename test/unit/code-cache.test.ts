// bin/tpod.cjs keeps a V8 code cache per command beside the bundle: which command a command
// line names, that only a successful run writes one, and that the cache is used once there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/paths.js';
import { tempDir, type TempDir } from '../helpers/store.js';

describe('code caches per command (bin/tpod.cjs)', () => {
  let app: TempDir;
  let store: TempDir;
  let bundleDir: string;

  before(() => {
    // A copy of the built app, so the checkout's own caches are neither used nor changed.
    app = tempDir('tpod-app-');
    store = tempDir('tpod-cache-store-');
    for (const part of ['bin', 'dist', 'package.json', 'oclif.manifest.json']) cpSync(join(repoRoot, part), join(app.path, part), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(app.path, 'node_modules'));
    bundleDir = join(app.path, 'dist', 'bundle', 'tpod');
    for (const file of readdirSync(bundleDir).filter((f) => /^tpod\.cjs\..+\.v8cache$/.test(f))) rmSync(join(bundleDir, file));
  });
  after(() => {
    app.remove();
    store.remove();
  });

  function tpod(...args: string[]): number | null {
    const env = { ...process.env, TPOD_ROOT: join(store.path, 'root'), TPOD_RUNROOT: join(store.path, 'run') };
    return spawnSync(process.execPath, [join(app.path, 'bin', 'tpod.cjs'), ...args], { env, encoding: 'utf8' }).status;
  }

  const commandCaches = (): string[] => readdirSync(bundleDir).filter((f) => /^tpod\.cjs\..+\.v8cache$/.test(f)).sort();

  it('a successful command writes its own cache, named by the command word, not by a flag value before it', () => {
    assert.equal(tpod('--log-level', 'error', 'version'), 0);
    assert.deepEqual(commandCaches(), ['tpod.cjs.version.v8cache']);
  });

  it('a mistyped command writes none', () => {
    assert.equal(tpod('nosuchcommand'), 125);
    assert.deepEqual(commandCaches(), ['tpod.cjs.version.v8cache']);
  });

  it('the next run of the command uses its cache and leaves it as it is', () => {
    const cache = join(bundleDir, 'tpod.cjs.version.v8cache');
    const written = statSync(cache).mtimeMs;
    assert.equal(tpod('version'), 0);
    assert.equal(statSync(cache).mtimeMs, written);
    assert.ok(existsSync(join(bundleDir, 'tpod.cjs.v8cache')), 'the shared cache (the build\'s) stays');
  });
});
