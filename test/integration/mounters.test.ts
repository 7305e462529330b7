// Mounter conformance: the native mount(2) mounter and util-linux's commands do the same job
// the same way, errors included (one suite, both implementations). Needs root; no systemd.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultMounter, MountCommandError, SyscallMounter, SystemMounter, type Mounter, type MountFailure } from '../../src/snapshots/index.js';
import { mountsBelow, tempDir, type TempDir } from '../helpers/store.js';

async function rejectsWith(promise: Promise<unknown>, failure: MountFailure, detail: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof MountCommandError, String(err));
    assert.equal(err.failure, failure);
    assert.match(err.detail, detail);
    return true;
  });
}

it('the default mounter is the native one where the addon is built (npm run build builds it)', () => {
  assert.ok(defaultMounter() instanceof SyscallMounter);
});

for (const [name, make] of [
  ['mount(2)', defaultMounter],
  ['mount(8)', () => new SystemMounter()],
] as const) {
  describe(`${name} mounter`, () => {
    let dir: TempDir;
    let mounter: Mounter;
    let n = 0;

    before(() => {
      dir = tempDir('tpod-mounter-');
      mounter = make();
    });
    after(() => {
      assert.deepEqual(mountsBelow(dir.path), [], 'a test left a mount behind');
      dir.remove();
    });

    /** A lower with one file, and fresh upper, work and mount point directories. */
    async function overlay(): Promise<{ base: string; options: string; target: string }> {
      const base = join(dir.path, `o${n++}`);
      for (const sub of ['lower', 'upper', 'work', 'merged']) await mkdir(join(base, sub), { recursive: true });
      await writeFile(join(base, 'lower', 'greeting'), 'hello\n');
      // lowerdir relative to the working directory given, as tpod spells many layers.
      return { base, options: `lowerdir=lower,upperdir=${base}/upper,workdir=${base}/work`, target: join(base, 'merged') };
    }

    it('mounts an overlay whose lowerdir is relative to the given directory, and unmounts it', async () => {
      const { base, options, target } = await overlay();
      const cwd = process.cwd();
      await mounter.mountOverlay({ options, target, cwd: base });
      try {
        assert.equal(process.cwd(), cwd, 'the working directory of tpod itself must not change');
        assert.equal(await readFile(join(target, 'greeting'), 'utf8'), 'hello\n');
        await writeFile(join(target, 'written'), 'x');
        assert.equal(await readFile(join(base, 'upper', 'written'), 'utf8'), 'x');
      } finally {
        await mounter.unmount(target);
      }
      assert.deepEqual(mountsBelow(base), []);
    });

    it('says not-mounted for a directory with nothing mounted', async () => {
      const { target } = await overlay();
      await rejectsWith(mounter.unmount(target), 'not-mounted', /merged/);
    });

    it('says not-found for a lower directory that does not exist', async () => {
      const { base, target } = await overlay();
      await rejectsWith(mounter.mountOverlay({ options: `lowerdir=missing,upperdir=${base}/upper,workdir=${base}/work`, target, cwd: base }), 'not-found', /merged/);
    });

    it('says invalid for an option overlayfs does not know', async () => {
      const { base, options, target } = await overlay();
      await rejectsWith(mounter.mountOverlay({ options: `${options},nosuchoption=1`, target, cwd: base }), 'invalid', /merged/);
    });

    it('says busy while a process works inside, and detaches lazily when asked', async () => {
      const { base, options, target } = await overlay();
      await mounter.mountOverlay({ options, target, cwd: base });
      const inside = spawn('sleep', ['30'], { cwd: target, stdio: 'ignore' });
      try {
        await new Promise((resolve) => inside.once('spawn', resolve));
        await rejectsWith(mounter.unmount(target), 'busy', /merged/);
        await mounter.unmount(target, { lazy: true });
        assert.deepEqual(mountsBelow(base), []);
      } finally {
        inside.kill('SIGKILL');
      }
    });
  });
}
