import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { serializeSpec, writeBundle } from '../../src/spec/bundle.js';
import type { RuntimeSpec } from '../../src/spec/types.js';
import { RLIM_INFINITY } from '../../src/spec/ulimits.js';

const spec: RuntimeSpec = {
  ociVersion: '1.0.2',
  process: {
    user: { uid: 0, gid: 0 },
    args: ['sh'],
    env: ['A="quoted"\n'],
    cwd: '/',
    rlimits: [{ type: 'RLIMIT_CORE', soft: RLIM_INFINITY, hard: RLIM_INFINITY }],
    oomScoreAdj: undefined,
  },
  root: { path: '/abs/rootfs' },
  mounts: [],
  linux: { namespaces: [{ type: 'pid' }] },
};

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tpod-spec-bundle-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('bundle', () => {
  it('serialises bigints as exact integers and otherwise as JSON.stringify', () => {
    const text = serializeSpec(spec);
    assert.match(text, /"hard": 18446744073709551615/);
    const plain = { ...spec, process: { ...spec.process, rlimits: [] } };
    assert.equal(serializeSpec(plain), JSON.stringify(plain, null, 2));
    assert.equal(serializeSpec(plain, 0), JSON.stringify(plain));
    const parsed = JSON.parse(text) as RuntimeSpec;
    assert.deepEqual(parsed.process.env, ['A="quoted"\n']);
    assert.equal(Object.hasOwn(parsed.process, 'oomScoreAdj'), false);
  });
  it('writes DIR/config.json, replacing an old one, leaving no temporaries', async () => {
    const dir = join(scratch, 'b1');
    const path = await writeBundle(dir, spec);
    assert.equal(path, join(dir, 'config.json'));
    await writeBundle(dir, { ...spec, hostname: 'second' });
    assert.equal((JSON.parse(await readFile(path, 'utf8')) as RuntimeSpec).hostname, 'second');
    assert.deepEqual(await readdir(dir), ['config.json']);
  });
  it('refuses a relative root path', async () => {
    await assert.rejects(writeBundle(join(scratch, 'b2'), { ...spec, root: { path: 'rootfs' } }), InvalidArgumentError);
  });
});
