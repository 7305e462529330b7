import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, NotFoundError } from '../../src/errors.js';
import { bindNamedVolume, checkBindSource, combineMounts, parseTmpfsFlag, parseVolumeFlag, sortMounts, toOciMount } from '../../src/spec/mounts.js';
import { parseMountFlag } from '../../src/spec/mount-flag.js';
import type { Mount } from '../../src/spec/types.js';

describe('-v parsing', () => {
  it('parses a bind mount, rw and rbind rprivate by default', () => {
    const request = parseVolumeFlag('/srv/data/:/data/');
    assert.deepEqual(request, { type: 'bind', source: '/srv/data/', destination: '/data', readOnly: false, options: ['rbind', 'rprivate'] });
    assert.deepEqual(toOciMount(request as never), { destination: '/data', type: 'bind', source: '/srv/data/', options: ['rbind', 'rw', 'rprivate'] });
  });
  it('parses :ro, z/Z, bind and propagation options', () => {
    const request = parseVolumeFlag('/a:/b:ro,Z,bind,rshared,nosuid');
    assert.deepEqual(request, { type: 'bind', source: '/a', destination: '/b', readOnly: true, options: ['bind', 'nosuid', 'rshared'] });
    assert.deepEqual(toOciMount(request as never).options, ['bind', 'ro', 'nosuid', 'rshared']);
    assert.equal((parseVolumeFlag('/a:/b:z,rw') as { readOnly: boolean }).readOnly, false);
  });
  it('recognises named and anonymous volumes and binds them once resolved', () => {
    const named = parseVolumeFlag('cache:/var/cache:ro,nocopy');
    assert.deepEqual(named, { type: 'volume', name: 'cache', destination: '/var/cache', readOnly: true, options: ['rbind', 'rprivate'], noCopy: true });
    assert.deepEqual(parseVolumeFlag('/data'), { type: 'volume', destination: '/data', readOnly: false, options: ['rbind', 'rprivate'], noCopy: false });
    assert.deepEqual(parseVolumeFlag('/data:ro'), { type: 'volume', destination: '/data', readOnly: true, options: ['rbind', 'rprivate'], noCopy: false });
    if (named.type !== 'volume') throw new Error('expected a volume');
    assert.deepEqual(bindNamedVolume(named, '/var/lib/tpod/volumes/cache/_data'), {
      type: 'bind', source: '/var/lib/tpod/volumes/cache/_data', destination: '/var/cache', readOnly: true, options: ['rbind', 'rprivate'],
    });
  });
  const bad: Array<[string, RegExp]> = [
    ['/a:b', /invalid mount "\/a:b": "b" is not an absolute path/],
    ['./rel:/b', /"\.\/rel" is neither an absolute path nor a volume name/],
    ['/a:/b:rw,ro', /ro or rw given more than once/],
    ['/a:/b:bogus', /invalid option "bogus" in volume "\/a:\/b:bogus"/],
    ['/a:/', /cannot mount over \//],
    ['/a:/b:ro:x', /expected \[SOURCE:\]DESTINATION/],
    [':/b', /expected \[SOURCE:\]DESTINATION/],
    ['/a:/b:shared,private', /more than one propagation mode/],
  ];
  for (const [value, message] of bad) {
    it(`refuses ${value}`, () => {
      assert.throws(() => parseVolumeFlag(value), (err: unknown) => err instanceof InvalidArgumentError && message.test(err.message));
    });
  }
});

describe('--tmpfs parsing', () => {
  it('uses podman\'s defaults', () => {
    assert.deepEqual(parseTmpfsFlag('/scratch'), { type: 'tmpfs', destination: '/scratch', options: ['rw', 'noexec', 'nosuid', 'nodev', 'tmpcopyup'] });
  });
  it('replaces a default and its opposite', () => {
    assert.deepEqual(parseTmpfsFlag('/run:exec,size=64m,mode=1777,ro,size=32m,notmpcopyup').options, [
      'nosuid', 'nodev', 'exec', 'mode=1777', 'ro', 'size=32m',
    ]);
  });
  it('refuses unknown options and relative paths', () => {
    assert.throws(() => parseTmpfsFlag('/t:bogus'), /invalid option "bogus" in tmpfs "\/t:bogus"/);
    assert.throws(() => parseTmpfsFlag('/t:size'), InvalidArgumentError);
    assert.throws(() => parseTmpfsFlag('t'), /not an absolute path/);
  });
});

describe('--mount parsing', () => {
  it('gives what -v and --tmpfs give for the same mount', () => {
    assert.deepEqual(parseMountFlag('type=bind,source=/a,target=/b,readonly'), parseVolumeFlag('/a:/b:ro'));
    assert.deepEqual(parseMountFlag('type=bind,src=/a,dst=/b,bind-propagation=rshared,bind-nonrecursive'), parseVolumeFlag('/a:/b:rw,bind,rshared'));
    assert.deepEqual(parseMountFlag('type=volume,src=cache,dst=/c,ro=true,volume-nocopy'), parseVolumeFlag('cache:/c:ro,nocopy'));
    assert.deepEqual(parseMountFlag('dst=/anon'), parseVolumeFlag('/anon'), 'type defaults to volume; no source: anonymous');
    assert.deepEqual(parseMountFlag('type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777'), parseTmpfsFlag('/t:size=64m,mode=1777'));
    assert.deepEqual(parseMountFlag('type=bind,src=/a,dst=/b,readonly=false'), parseVolumeFlag('/a:/b'));
  });
  it('refuses what does not fit the type, in one line naming the flag', () => {
    const refused = (value: string, reason: RegExp) => assert.throws(() => parseMountFlag(value), (err: unknown) => err instanceof InvalidArgumentError && reason.test(err.message) && !err.message.includes('\n'));
    refused('type=bind,src=relative,dst=/b', /a bind mount needs source=\/absolute\/host\/path/);
    refused('type=volume,src=/host,dst=/b', /use type=bind for a host path/);
    refused('type=tmpfs,dst=/t,tmpfs-mode=rwx', /tmpfs-mode "rwx" is not an octal mode/);
    refused('type=tmpfs,dst=/t,tmpfs-size=lots', /tmpfs-size "lots" is not a size/);
    refused('type=volume,dst=/v,bind-propagation=shared', /bind-propagation does not apply to type=volume/);
    refused('type=bind,src=/a,src=/b,dst=/c', /source given more than once/);
    refused('type=bind,src=/a,dst=/b,ro=maybe', /readonly=maybe is neither true nor false/);
    refused('type=devpts,dst=/d', /type "devpts" is not supported/);
  });
});

describe('mount order', () => {
  const m = (destination: string, source = 'x'): Mount => ({ destination, type: 'bind', source, options: [] });
  it('puts parents before children, keeping the given order otherwise', () => {
    const sorted = sortMounts([m('/a/b/c'), m('/z'), m('/a/b'), m('/a'), m('/y/'), m('/a/x')]);
    assert.deepEqual(sorted.map((x) => x.destination), ['/z', '/a', '/y/', '/a/b', '/a/x', '/a/b/c']);
  });
  it('lets a user mount replace a default at the same destination', () => {
    const combined = combineMounts([m('/etc/hosts', 'generated'), m('/dev/shm', 'shm'), m('/dev')], [m('/etc/hosts', 'mine'), m('/dev/shm/sub')]);
    assert.deepEqual(combined.map((x) => `${x.destination}=${x.source}`), ['/dev=x', '/dev/shm=shm', '/etc/hosts=mine', '/dev/shm/sub=x']);
  });
});

describe('bind mount sources', () => {
  it('accepts an existing source and refuses a missing one, naming it (podman checks at create)', () => {
    assert.doesNotThrow(() => checkBindSource(parseVolumeFlag('/tmp:/t') as never));
    assert.throws(() => checkBindSource(parseVolumeFlag('/no/such/dir:/t') as never), (err: unknown) => err instanceof NotFoundError && /\/no\/such\/dir: no such file or directory/.test(err.message));
  });
});
