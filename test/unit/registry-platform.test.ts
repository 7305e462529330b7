import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '../../src/oci/media-types.js';
import {
  armVariantFromCpuInfo,
  choosePlatform,
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  wantedPlatforms,
} from '../../src/oci/platform.js';
import type { Descriptor, ImageIndex, Platform } from '../../src/oci/types.js';

const AMD64_HOST: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64_HOST: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };

function entry(n: number, platform?: Platform): Descriptor {
  const descriptor: Descriptor = { mediaType: OCI_IMAGE_MANIFEST, digest: `sha256:${String(n).repeat(64).slice(0, 64)}`, size: 100 };
  if (platform) descriptor.platform = platform;
  return descriptor;
}

function index(...manifests: Descriptor[]): ImageIndex {
  return { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests };
}

describe('hostPlatform', () => {
  it('maps Node architectures to GOARCH names', () => {
    assert.deepEqual(hostPlatform('x64', 'linux'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(hostPlatform('ia32', 'linux'), { os: 'linux', architecture: '386' });
    assert.deepEqual(hostPlatform('s390x', 'linux'), { os: 'linux', architecture: 's390x' });
    assert.equal(hostPlatform('x64', 'win32').os, 'windows');
  });

  it('reads the ARM variant from /proc/cpuinfo', () => {
    assert.deepEqual(hostPlatform('arm64', 'linux', () => 'processor\t: 0\nCPU architecture: 8\n'), ARM64_HOST);
    assert.deepEqual(hostPlatform('arm', 'linux', () => 'CPU architecture: 7\n'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.deepEqual(
      hostPlatform('arm64', 'linux', () => {
        throw new Error('no /proc');
      }),
      { os: 'linux', architecture: 'arm64' },
    );
  });

  it('knows the cpuinfo spellings', () => {
    assert.equal(armVariantFromCpuInfo('CPU architecture: AArch64'), 'v8');
    assert.equal(armVariantFromCpuInfo('CPU architecture: 6TEJ'), 'v6');
    assert.equal(armVariantFromCpuInfo('CPU architecture: 5te'), 'v5');
    assert.equal(armVariantFromCpuInfo('model name: x'), undefined);
  });
});

describe('normalizePlatform', () => {
  it('turns user spellings into index spellings', () => {
    assert.deepEqual(normalizePlatform({ architecture: 'x86_64' }), { architecture: 'amd64' });
    assert.deepEqual(normalizePlatform({ architecture: 'aarch64' }), { architecture: 'arm64' });
    assert.deepEqual(normalizePlatform({ architecture: 'armhf' }), { architecture: 'arm', variant: 'v7' });
    assert.deepEqual(normalizePlatform({ os: 'Linux', architecture: 'arm64', variant: '8' }), {
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
  });
});

describe('wantedPlatforms (containers/image order)', () => {
  it('amd64 host: only the no-variant platform', () => {
    assert.deepEqual(wantedPlatforms({}, AMD64_HOST), [AMD64_HOST]);
  });

  it('arm64 host with v8: v8 first, then no variant', () => {
    assert.deepEqual(
      wantedPlatforms({}, ARM64_HOST).map(formatPlatform),
      ['linux/arm64/v8', 'linux/arm64'],
    );
  });

  it('explicit arm64 without variant: no variant first, then the base variant v8', () => {
    assert.deepEqual(
      wantedPlatforms({ architecture: 'arm64' }, AMD64_HOST).map(formatPlatform),
      ['linux/arm64', 'linux/arm64/v8'],
    );
  });

  it('arm v7 falls back to v6, v5, then no variant', () => {
    assert.deepEqual(
      wantedPlatforms({ architecture: 'arm', variant: 'v7' }, AMD64_HOST).map(formatPlatform),
      ['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5', 'linux/arm'],
    );
  });

  it('an unknown variant is tried alone, then without variant', () => {
    assert.deepEqual(
      wantedPlatforms({ architecture: 'amd64', variant: 'v3' }, AMD64_HOST).map(formatPlatform),
      ['linux/amd64/v3', 'linux/amd64'],
    );
  });
});

describe('choosePlatform', () => {
  const multi = index(
    entry(1, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    entry(2, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    entry(3, { os: 'linux', architecture: 'amd64' }),
    entry(4, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' }),
    entry(5),
  );

  it('defaults to the host', () => {
    assert.equal(choosePlatform(multi, {}, AMD64_HOST), multi.manifests[2]);
    assert.equal(choosePlatform(multi, {}, ARM64_HOST), multi.manifests[1]);
  });

  it('matches arm64 with and without the v8 variant either way round', () => {
    const noVariant = index(entry(6, { os: 'linux', architecture: 'arm64' }));
    assert.equal(choosePlatform(noVariant, {}, ARM64_HOST), noVariant.manifests[0]);
    assert.equal(choosePlatform(multi, { architecture: 'arm64' }, AMD64_HOST), multi.manifests[1]);
    assert.equal(choosePlatform(multi, { architecture: 'aarch64' }, AMD64_HOST), multi.manifests[1]);
  });

  it('falls back to an older arm variant', () => {
    assert.equal(choosePlatform(multi, { architecture: 'arm', variant: 'v7' }, AMD64_HOST), multi.manifests[0]);
  });

  it('picks by os', () => {
    assert.equal(choosePlatform(multi, { os: 'windows' }, AMD64_HOST), multi.manifests[3]);
  });

  it('prefers the earlier entry when two match', () => {
    const twice = index(entry(7, AMD64_HOST), entry(8, AMD64_HOST));
    assert.equal(choosePlatform(twice, {}, AMD64_HOST), twice.manifests[0]);
  });

  it('lists what is available when nothing matches', () => {
    assert.throws(
      () => choosePlatform(multi, { architecture: 's390x' }, AMD64_HOST),
      (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.equal(
          err.message,
          'no image in the index matches platform linux/s390x (available: linux/arm/v6, linux/arm64/v8, linux/amd64, windows/amd64)',
        );
        return true;
      },
    );
    assert.throws(() => choosePlatform(index(entry(9)), {}, AMD64_HOST), /available: none/);
  });
});
