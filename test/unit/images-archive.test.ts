// docker-archive manifest.json, the tar writer behind `tpod save`, and OCI names on load.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { dockerArchiveEntry, parseDockerArchiveManifest } from '../../src/images/docker-archive.js';
import { ociName } from '../../src/images/load.js';
import { TarWriter } from '../../src/images/tar-writer.js';
import { CorruptError } from '../../src/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'tpod-archive-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

describe('docker-archive manifest.json', () => {
  it('names the config by digest and the layers by diffID, as podman', () => {
    assert.deepEqual(dockerArchiveEntry(C, [A, B], ['busybox:latest']), {
      Config: `${'c'.repeat(64)}.json`,
      RepoTags: ['busybox:latest'],
      Layers: [`${'a'.repeat(64)}.tar`, `${'b'.repeat(64)}.tar`],
    });
  });

  it('parses what docker and podman write, RepoTags null included', () => {
    const text = JSON.stringify([
      { Config: 'x.json', RepoTags: null, Layers: ['l1/layer.tar'] },
      { Config: 'y.json', RepoTags: ['a:b'], Layers: [], Extra: 1 },
    ]);
    assert.deepEqual(parseDockerArchiveManifest(text), [
      { Config: 'x.json', RepoTags: [], Layers: ['l1/layer.tar'] },
      { Config: 'y.json', RepoTags: ['a:b'], Layers: [] },
    ]);
  });

  it('refuses malformed ones by name', () => {
    for (const bad of ['{}', '[1]', '[{"Layers":[]}]', '[{"Config":"c","Layers":[1]}]', '[{"Config":"c","Layers":[],"RepoTags":"x"}]', 'nope']) {
      assert.throws(() => parseDockerArchiveManifest(bad, 'arch: manifest.json'), (err: unknown) => err instanceof CorruptError && err.message.startsWith('arch: manifest.json'));
    }
  });
});

describe('OCI layout names on load', () => {
  it('takes containerd\'s full name, else ref.name, qualifying short names with localhost/', () => {
    assert.equal(ociName({ annotations: { 'org.opencontainers.image.ref.name': 'quay.io/a/b:1' } }), 'quay.io/a/b:1');
    assert.equal(ociName({ annotations: { 'org.opencontainers.image.ref.name': 'busybox' } }), 'localhost/busybox:latest');
    assert.equal(
      ociName({ annotations: { 'io.containerd.image.name': 'docker.io/library/alpine:3', 'org.opencontainers.image.ref.name': '3' } }),
      'docker.io/library/alpine:3',
    );
    assert.equal(ociName({}), undefined);
    assert.equal(ociName({ annotations: { 'org.opencontainers.image.ref.name': 'Not A Name' } }), undefined);
  });
});

describe('TarWriter', () => {
  it('writes an archive GNU tar reads, bodies streamed', async () => {
    const path = join(scratch, 'out.tar');
    const tar = new TarWriter(createWriteStream(path));
    await tar.directory('blobs');
    await tar.file('blobs/one', 3, Buffer.from('abc'));
    async function* chunks() {
      for (let i = 0; i < 100; i++) yield Buffer.alloc(1000, i);
    }
    await tar.file('big', 100_000, chunks());
    await tar.end();
    assert.deepEqual(execFileSync('tar', ['tf', path], { encoding: 'utf8' }).trim().split('\n'), ['blobs/', 'blobs/one', 'big']);
    assert.equal(execFileSync('tar', ['xOf', path, 'blobs/one'], { encoding: 'utf8' }), 'abc');
    assert.equal(execFileSync('tar', ['xOf', path, 'big']).length, 100_000);
    assert.equal(readFileSync(path).length % 512, 0);
  });

  it('refuses a body that does not match its declared size', async () => {
    const sink = new PassThrough();
    sink.resume();
    const tar = new TarWriter(sink);
    await assert.rejects(tar.file('short', 10, Buffer.from('abc')), CorruptError);
    await assert.rejects(new TarWriter(sink).file('long', 1, Buffer.from('abc')), CorruptError);
  });
});

describe('Docker schema2 manifests in an OCI layout', () => {
  it('become OCI manifests over the same config and layers', async () => {
    const { asOciManifest } = await import('../../src/images/save.js');
    const manifest = {
      schemaVersion: 2 as const,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: C, size: 10 },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: A, size: 20 }],
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const converted = asOciManifest({ bytes, digest: 'sha256:x', mediaType: manifest.mediaType, manifest, original: true });
    assert.equal(converted.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(converted.original, false);
    const body = JSON.parse(converted.bytes.toString());
    assert.deepEqual(body.config, { mediaType: 'application/vnd.oci.image.config.v1+json', digest: C, size: 10 });
    assert.deepEqual(body.layers, [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: A, size: 20 }]);
    const oci = { ...manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
    const same = { bytes, digest: 'sha256:y', mediaType: oci.mediaType, manifest: oci, original: true };
    assert.equal(asOciManifest(same), same);
  });
});
