// Global flags where podman users type them: before the command.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstAfterGlobalFlags, hoistGlobalFlags } from '../../cli/argv.js';
import { runTpod, tempStore } from '../helpers/tpod.js';

const ids = new Set(['run', 'ps', 'image:ls', 'image', 'info']);

describe('global flags before the command', () => {
  it('moves them after a one-word command', () => {
    assert.deepEqual(hoistGlobalFlags(['--root', '/r', 'ps', '-a'], ids), ['ps', '--root', '/r', '-a']);
    assert.deepEqual(hoistGlobalFlags(['--storage-driver', 'vfs', 'run', 'busybox'], ids), ['run', '--storage-driver', 'vfs', 'busybox']);
  });

  it('finds the first word past the global flags and their values', () => {
    assert.equal(firstAfterGlobalFlags(['--root', '/r', '--runroot=/x', 'ps']), 'ps');
    assert.equal(firstAfterGlobalFlags(['--root', '/r', '--bogus=1', 'ps']), '--bogus');
    assert.equal(firstAfterGlobalFlags(['--storage-driver', 'vfs']), undefined);
  });
  it('moves them after a two-word command and keeps = forms', () => {
    assert.deepEqual(hoistGlobalFlags(['--runtime=crun', 'image', 'ls'], ids), ['image', 'ls', '--runtime=crun']);
  });
  it('never moves them into the container command of run', () => {
    assert.deepEqual(hoistGlobalFlags(['--log-level', 'debug', 'run', 'busybox', 'echo', '--root'], ids), [
      'run', '--log-level', 'debug', 'busybox', 'echo', '--root',
    ]);
  });
  it('leaves argv alone without leading global flags', () => {
    assert.deepEqual(hoistGlobalFlags(['run', 'busybox', '--root', 'x'], ids), ['run', 'busybox', '--root', 'x']);
  });
  it('keeps an unknown command or a topic first', () => {
    assert.deepEqual(hoistGlobalFlags(['--root', '/r', 'nosuch', '-a'], ids), ['nosuch', '--root', '/r', '-a']);
    assert.deepEqual(hoistGlobalFlags(['--root', '/r', '--help'], ids), ['--root', '/r', '--help']);
  });
  it('works end to end with the real launcher', async () => {
    const store = tempStore();
    try {
      const result = await runTpod(['--root', store.root, 'info', '--format', '{{.Store.GraphRoot}}']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), store.root);
    } finally {
      store.remove();
    }
  });
});
