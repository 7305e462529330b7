import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptError, InvalidArgumentError } from '../../src/errors.js';
import { digestOf, matchesDigest } from '../../src/oci/digest.js';
import { isImageIndex, parseManifest } from '../../src/oci/manifest.js';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_TAR_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  OCI_LAYER_TAR_GZIP,
} from '../../src/oci/media-types.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;

function bytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

const ociManifest = {
  schemaVersion: 2,
  mediaType: OCI_IMAGE_MANIFEST,
  config: { mediaType: OCI_IMAGE_CONFIG, digest: D1, size: 7 },
  layers: [{ mediaType: OCI_LAYER_TAR_GZIP, digest: D2, size: 1000, annotations: { a: 'b' } }],
  annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
};

describe('parseManifest', () => {
  it('parses an OCI image manifest', () => {
    const manifest = parseManifest(bytes(ociManifest), OCI_IMAGE_MANIFEST);
    assert.ok(!isImageIndex(manifest));
    assert.equal(manifest.mediaType, OCI_IMAGE_MANIFEST);
    assert.deepEqual(manifest.config, ociManifest.config);
    assert.deepEqual(manifest.layers, ociManifest.layers);
    assert.deepEqual(manifest.annotations, ociManifest.annotations);
  });

  it('fills in the media type an OCI body leaves out', () => {
    const { mediaType: _omitted, ...body } = ociManifest;
    assert.equal(parseManifest(bytes(body), OCI_IMAGE_MANIFEST).mediaType, OCI_IMAGE_MANIFEST);
  });

  it('parses Docker schema2 manifests and manifest lists', () => {
    const docker = parseManifest(
      bytes({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: DOCKER_CONFIG, digest: D1, size: 7 },
        layers: [{ mediaType: DOCKER_LAYER_TAR_GZIP, digest: D2, size: 1 }],
      }),
      `${DOCKER_MANIFEST}; charset=utf-8`,
    );
    assert.equal(docker.mediaType, DOCKER_MANIFEST);
    const list = parseManifest(
      bytes({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST_LIST,
        manifests: [{ mediaType: DOCKER_MANIFEST, digest: D1, size: 7, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } }],
      }),
      DOCKER_MANIFEST_LIST,
    );
    assert.ok(isImageIndex(list));
    assert.deepEqual(list.manifests[0]?.platform, { architecture: 'arm', os: 'linux', variant: 'v7' });
  });

  it('infers the type when the registry sends a generic Content-Type', () => {
    const index = parseManifest(bytes({ schemaVersion: 2, manifests: [] }), 'application/json');
    assert.equal(index.mediaType, OCI_IMAGE_INDEX);
    const manifest = parseManifest(bytes({ ...ociManifest, mediaType: undefined }), '');
    assert.equal(manifest.mediaType, OCI_IMAGE_MANIFEST);
    assert.equal(parseManifest(bytes({ ...ociManifest, mediaType: DOCKER_MANIFEST }), 'text/plain').mediaType, DOCKER_MANIFEST);
  });

  it('refuses a body whose media type contradicts the header', () => {
    assert.throws(() => parseManifest(bytes(ociManifest), DOCKER_MANIFEST, 'manifest x'), (err: unknown) => {
      assert.ok(err instanceof CorruptError);
      assert.match(err.message, /^manifest x: media type ".*oci.*" in the manifest contradicts ".*docker.*"$/);
      return true;
    });
  });

  it('refuses schema1 and unknown media types by name', () => {
    assert.throws(
      () => parseManifest(bytes({ schemaVersion: 1, name: 'x' }), 'application/json'),
      (err: unknown) => err instanceof InvalidArgumentError && /docker schema1 manifests are not supported/.test(err.message),
    );
    assert.throws(
      () => parseManifest(bytes({ schemaVersion: 2 }), 'application/vnd.cncf.helm.config.v1+json', 'manifest h'),
      (err: unknown) =>
        err instanceof InvalidArgumentError &&
        err.message === 'manifest h: unsupported manifest media type "application/vnd.cncf.helm.config.v1+json"',
    );
  });

  it('refuses malformed bodies and descriptors as corrupt', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...ociManifest, schemaVersion: 3 }, /unsupported schemaVersion 3/],
      [{ ...ociManifest, layers: undefined }, /without "config" and "layers"/],
      [{ ...ociManifest, config: { mediaType: OCI_IMAGE_CONFIG, digest: 'sha256:xyz', size: 1 } }, /config: invalid digest/],
      [{ ...ociManifest, config: { mediaType: OCI_IMAGE_CONFIG, digest: D1, size: -1 } }, /invalid size -1/],
      [{ ...ociManifest, layers: [{ digest: D1, size: 1 }] }, /layers\[0\]: descriptor without a mediaType/],
      [[], /not a JSON object/],
    ];
    for (const [body, pattern] of cases) {
      assert.throws(() => parseManifest(bytes(body), OCI_IMAGE_MANIFEST), (err: unknown) => err instanceof CorruptError && pattern.test(err.message));
    }
    assert.throws(() => parseManifest(Buffer.from('{'), OCI_IMAGE_MANIFEST), /malformed manifest/);
    assert.throws(
      () => parseManifest(bytes({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: D1, size: 1, platform: { os: 'linux' } }] }), OCI_IMAGE_INDEX),
      /platform without "architecture" and "os"/,
    );
  });
});

describe('digestOf', () => {
  it('hashes bytes with the digest algorithm', () => {
    const empty = Buffer.alloc(0);
    assert.equal(digestOf(empty), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.ok(matchesDigest(empty, digestOf(empty, 'sha512')));
    assert.ok(!matchesDigest(Buffer.from('x'), digestOf(empty)));
  });
});
