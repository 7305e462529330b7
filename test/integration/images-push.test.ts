// `tpod push` to the test registry: blobs from the content store, the manifest bytes as
// pulled, so skopeo sees the same digest on both sides and can copy the image back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fixtureRef, testRegistry } from '../helpers/env.js';
import { runTpod, tempDir, tempStore, tpodOk } from '../helpers/tpod.js';

const execFileP = promisify(execFile);

async function skopeoInspect(ref: string, raw = false): Promise<{ Digest?: string; mediaType?: string; layers?: unknown[] }> {
  const { stdout } = await execFileP('skopeo', ['inspect', ...(raw ? ['--raw'] : []), '--tls-verify=false', `docker://${ref}`]);
  return JSON.parse(stdout);
}

const fresh = (name: string) => `${testRegistry()}/pushed-${randomBytes(4).toString('hex')}/${name}:v1`;

describe('tpod push', () => {
  const store = tempStore();
  const dir = tempDir();
  after(() => {
    store.remove();
    dir.remove();
  });
  const imageId = async (ref: string) => JSON.parse(await tpodOk(['image', 'inspect', ref], { store }))[0].Id as string;

  it('pushes under a new name with the digest it was pulled as; skopeo copies it back', async () => {
    await tpodOk(['pull', '-q', fixtureRef('busybox')], { store });
    const target = fresh('busybox');
    const result = await runTpod(['push', '--tls-verify=false', fixtureRef('busybox'), target], { store });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Getting image source signatures$/m);
    assert.match(result.stderr, /^Copying config [a-f0-9]{12} done$/m);
    // Same registry as the pull: the registry mounts the layer from library/busybox.
    assert.match(result.stderr, /^Copying blob [a-f0-9]{12} skipped: already exists$/m);
    assert.match(result.stderr, /^Writing manifest to image destination$/m);
    assert.equal(result.stdout, '');
    const source = await skopeoInspect(fixtureRef('busybox'));
    const pushed = await skopeoInspect(target);
    assert.equal(pushed.Digest, source.Digest);
    await execFileP('skopeo', ['copy', '--insecure-policy', '--src-tls-verify=false', `docker://${target}`, `oci:${join(dir.path, 'back')}:back`]);
    const index = JSON.parse(readFileSync(join(dir.path, 'back', 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, source.Digest);
  });

  it('keeps a Docker schema2 manifest as it was, and skips blobs the registry has', async () => {
    await tpodOk(['pull', '-q', fixtureRef('busybox-v2s2')], { store });
    const target = fresh('v2s2');
    await tpodOk(['push', '-q', '--tls-verify=false', fixtureRef('busybox-v2s2'), target], { store });
    const raw = await skopeoInspect(target, true);
    assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal((await skopeoInspect(target)).Digest, (await skopeoInspect(fixtureRef('busybox-v2s2'))).Digest);
    const again = await runTpod(['push', '--tls-verify=false', fixtureRef('busybox-v2s2'), target], { store });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Copying blob [a-f0-9]{12} skipped: already exists/);
  });

  it('pushes the platform manifest of an image pulled from an index; a new store pulls the same ID', async () => {
    await tpodOk(['pull', '-q', fixtureRef('multiarch')], { store });
    const target = fresh('multiarch');
    const digestFile = join(dir.path, 'digest');
    await tpodOk(['push', '-q', '--tls-verify=false', '--digestfile', digestFile, fixtureRef('multiarch'), `docker://${target}`], { store });
    const inspect = JSON.parse(await tpodOk(['image', 'inspect', fixtureRef('multiarch')], { store }))[0];
    assert.equal(readFileSync(digestFile, 'utf8'), inspect.Digest);
    assert.equal((await skopeoInspect(target)).Digest, inspect.Digest);
    const own = tempStore();
    try {
      const id = (await tpodOk(['pull', '-q', '--tls-verify=false', target], { store: own })).trim();
      assert.equal(id, inspect.Id);
    } finally {
      own.remove();
    }
  });

  it('pushes to the name the image has when no destination is given', async () => {
    const name = fresh('named');
    await tpodOk(['pull', '-q', fixtureRef('multilayer')], { store });
    await tpodOk(['tag', fixtureRef('multilayer'), name], { store });
    await tpodOk(['push', '-q', '--tls-verify=false', name], { store });
    const pushed = await skopeoInspect(name);
    assert.equal(pushed.Digest, (await skopeoInspect(fixtureRef('multilayer'))).Digest);
  });

  it('pushes an image loaded from a docker-archive (uncompressed layers, made-up manifest)', async () => {
    const archive = join(dir.path, 'bb.tar');
    await tpodOk(['save', '-o', archive, fixtureRef('busybox')], { store });
    const own = tempStore();
    try {
      await tpodOk(['load', '-q', '-i', archive], { store: own });
      const target = fresh('loaded');
      const pushed = await runTpod(['push', '--tls-verify=false', fixtureRef('busybox'), target], { store: own });
      assert.equal(pushed.code, 0, pushed.stderr);
      // Uncompressed layers no repository has: uploaded (a refused mount falls back to it).
      assert.match(pushed.stderr, /^Copying blob [a-f0-9]{12} done$/m);
      const other = tempStore();
      try {
        const id = (await tpodOk(['pull', '-q', '--tls-verify=false', target], { store: other })).trim();
        assert.equal(id, await imageId(fixtureRef('busybox')));
      } finally {
        other.remove();
      }
    } finally {
      own.remove();
    }
  });

  it('refuses an image given by ID without a destination, and unknown images, in one line', async () => {
    const id = await imageId(fixtureRef('busybox'));
    const byId = await runTpod(['push', id.slice(0, 12)], { store });
    assert.equal(byId.code, 125);
    assert.match(byId.stderr, /^Error: .*no destination given/m);
    const unknown = await runTpod(['push', 'localhost/nope:1'], { store });
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /^Error: localhost\/nope:1: image not known$/m);
  });
});
