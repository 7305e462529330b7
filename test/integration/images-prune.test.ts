// `tpod image prune` (dangling, -a) and `tpod rmi` of an image a container was made from.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixtureRef } from '../helpers/env.js';
import { runTpod, tempStore, tpodOk, type TempStore } from '../helpers/tpod.js';

const imageIds = async (store: TempStore): Promise<string[]> =>
  (JSON.parse(await tpodOk(['images', '--format', 'json'], { store })) as Array<{ Id: string }>).map((image) => image.Id).sort();

const pull = async (store: TempStore, name: 'busybox' | 'multilayer'): Promise<string> =>
  (await tpodOk(['pull', '-q', fixtureRef(name)], { store })).trim();

describe('tpod image prune', () => {
  const store = tempStore();
  after(async () => {
    await runTpod(['rm', '-a', '-f'], { store }).catch(() => undefined);
    store.remove();
  });

  it('removes only dangling images, printing their IDs', async () => {
    const busybox = await pull(store, 'busybox');
    const multilayer = await pull(store, 'multilayer');
    await tpodOk(['untag', multilayer, fixtureRef('multilayer')], { store });
    const result = await runTpod(['image', 'prune', '-f'], { store });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${multilayer}\n`);
    assert.deepEqual(await imageIds(store), [busybox]);
    // Its layers went with it; the shared busybox layer stayed.
    const layers = readdirSync(join(store.root, 'layers')).filter((name) => /^[a-f0-9]{64}$/.test(name));
    assert.equal(layers.length, 1);
  });

  it('asks first without -f, and does nothing when the answer is not yes', async () => {
    const id = await pull(store, 'multilayer');
    await tpodOk(['untag', id, fixtureRef('multilayer')], { store });
    const declined = await runTpod(['image', 'prune'], { store, input: 'n\n' });
    assert.equal(declined.code, 0, declined.stderr);
    assert.match(declined.stderr, /Are you sure you want to continue\? \[y\/N\]/);
    assert.ok((await imageIds(store)).includes(id));
    const accepted = await runTpod(['image', 'prune'], { store, input: 'y\n' });
    assert.equal(accepted.stdout, `${id}\n`);
  });

  it('-a removes every image no container uses, and keeps the one a container uses', async () => {
    const busybox = await pull(store, 'busybox');
    const multilayer = await pull(store, 'multilayer');
    const created = await runTpod(['create', '--name', 'prune-user', fixtureRef('busybox'), 'true'], { store });
    assert.equal(created.code, 0, created.stderr);
    const result = await runTpod(['image', 'prune', '-a', '-f'], { store });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${multilayer}\n`);
    assert.deepEqual(await imageIds(store), [busybox]);
  });

  it('prints nothing when there is nothing to prune', async () => {
    const result = await runTpod(['image', 'prune', '-f'], { store });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
  });
});

describe('tpod rmi of an image in use', () => {
  const store = tempStore();
  after(async () => {
    await runTpod(['rm', '-a', '-f'], { store }).catch(() => undefined);
    store.remove();
  });

  it('refuses without -f, naming the container (exit 2, as podman)', async () => {
    await pull(store, 'busybox');
    const id = (await tpodOk(['create', fixtureRef('busybox'), 'true'], { store })).trim();
    const result = await runTpod(['rmi', fixtureRef('busybox')], { store });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^Error: image used by ${id}: image is in use by a container$`, 'm'));
    assert.equal((await imageIds(store)).length, 1);
  });

  it('-f removes the containers, then the image and its files', async () => {
    const result = await runTpod(['rmi', '-f', fixtureRef('busybox')], { store });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Deleted: [a-f0-9]{64}$/m);
    assert.deepEqual(await imageIds(store), []);
    assert.deepEqual(JSON.parse(await tpodOk(['ps', '-a', '--format', 'json'], { store })), []);
    const blobs = join(store.root, 'content', 'blobs', 'sha256');
    assert.deepEqual(existsSync(blobs) ? readdirSync(blobs) : [], []);
  });
});
