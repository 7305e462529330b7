import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError, NotFoundError } from '../../src/errors.js';
import { parseGroup, parsePasswd } from '../../src/spec/passwd.js';
import { readRootfsFile } from '../../src/spec/rootfs-file.js';
import { resolveUser, splitUserSpec } from '../../src/spec/user.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment',
  '+nisuser::::::',
  'broken:x:notanumber:0::/:/bin/sh',
  'tuser:x:1000:1000:Test User:/home/tuser:/bin/sh',
  'daemon:x:2:2::/usr/sbin:/usr/sbin/nologin',
  'nobody:x:65534:65534::/nonexistent:/bin/false',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'wheel:x:10:root,tuser', 'audio:x:29:tuser', 'tuser:x:1000:', 'users:x:100:', 'nogroup:x:65534:', ''].join('\n');
const EVIL_PASSWD = 'evil:x:4242:4242::/evil:/bin/sh\ntuser:x:1000:7777::/evil:/bin/sh\n';

let scratch: string;
let outside: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tpod-spec-user-'));
  outside = join(scratch, 'outside');
  await mkdir(join(outside, 'etc'), { recursive: true });
  await writeFile(join(outside, 'etc', 'passwd'), EVIL_PASSWD);
  await writeFile(join(outside, 'passwd'), EVIL_PASSWD);
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let rootfsCount = 0;
async function rootfs(files: { passwd?: string; group?: string } = { passwd: PASSWD, group: GROUP }): Promise<string> {
  const dir = join(scratch, `rootfs-${rootfsCount++}`);
  await mkdir(join(dir, 'etc'), { recursive: true });
  if (files.passwd !== undefined) await writeFile(join(dir, 'etc', 'passwd'), files.passwd);
  if (files.group !== undefined) await writeFile(join(dir, 'etc', 'group'), files.group);
  return dir;
}

describe('resolveUser from the image account files', () => {
  it('defaults to root with its home', async () => {
    assert.deepEqual(await resolveUser(await rootfs()), { uid: 0, gid: 0, additionalGids: [10], home: '/root' });
    assert.deepEqual(await resolveUser(await rootfs(), ''), { uid: 0, gid: 0, additionalGids: [10], home: '/root' });
  });
  it('resolves a name to uid, primary gid, supplementary groups and home', async () => {
    assert.deepEqual(await resolveUser(await rootfs(), 'tuser'), { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/tuser' });
  });
  it('resolves a uid with a passwd entry like the name', async () => {
    assert.deepEqual(await resolveUser(await rootfs(), '1000'), { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/tuser' });
  });
  it('accepts a uid without a passwd entry, gid 0', async () => {
    assert.deepEqual(await resolveUser(await rootfs(), '4321'), { uid: 4321, gid: 0, additionalGids: [] });
    assert.deepEqual(await resolveUser(await rootfs({}), '1000'), { uid: 1000, gid: 0, additionalGids: [] });
  });
  it('takes an explicit group by name or id, without supplementary groups', async () => {
    assert.deepEqual(await resolveUser(await rootfs(), 'tuser:users'), { uid: 1000, gid: 100, additionalGids: [], home: '/home/tuser' });
    assert.deepEqual(await resolveUser(await rootfs(), '1000:4444'), { uid: 1000, gid: 4444, additionalGids: [], home: '/home/tuser' });
    assert.deepEqual(await resolveUser(await rootfs({}), '5:6'), { uid: 5, gid: 6, additionalGids: [] });
  });
  it('--group-add adds groups by name or GID, once each, to the user\'s own or the explicit group', async () => {
    assert.deepEqual(await resolveUser(await rootfs(), 'tuser', ['users', '4242', 'wheel']), { uid: 1000, gid: 1000, additionalGids: [10, 29, 100, 4242], home: '/home/tuser' });
    assert.deepEqual(await resolveUser(await rootfs(), 'tuser:users', ['audio']), { uid: 1000, gid: 100, additionalGids: [29], home: '/home/tuser' });
    await assert.rejects(resolveUser(await rootfs(), 'tuser', ['nosuch']), /unable to find group nosuch: no matching entries in group file/);
  });
  it('fails on unknown names with podman\'s message', async () => {
    await assert.rejects(resolveUser(await rootfs(), 'nosuch'), (err: unknown) =>
      err instanceof NotFoundError && err.message === 'unable to find user nosuch: no matching entries in passwd file');
    await assert.rejects(resolveUser(await rootfs(), 'tuser:nosuch'), {
      message: 'unable to find group nosuch: no matching entries in group file',
    });
    await assert.rejects(resolveUser(await rootfs({}), 'root'), NotFoundError);
  });
  it('refuses out-of-range ids and an empty user part', async () => {
    await assert.rejects(resolveUser(await rootfs(), '4294967295'), InvalidArgumentError);
    assert.throws(() => splitUserSpec(':100'), InvalidArgumentError);
  });
});

describe('reading account files from an untrusted rootfs', () => {
  it('never follows an absolute symlink out of the rootfs', async () => {
    const dir = await rootfs({ group: GROUP });
    await symlink(join(outside, 'passwd'), join(dir, 'etc', 'passwd'));
    await assert.rejects(resolveUser(dir, 'evil'), NotFoundError);
    assert.deepEqual(await resolveUser(dir, '1000'), { uid: 1000, gid: 0, additionalGids: [] });
  });
  it('clamps ../ at the rootfs, for the file and for a directory', async () => {
    const dir = await rootfs({ group: GROUP });
    await symlink('../../../../../../../../outside/passwd', join(dir, 'etc', 'passwd'));
    await assert.rejects(resolveUser(dir, 'evil'), NotFoundError);

    const dir2 = join(scratch, `rootfs-${rootfsCount++}`);
    await mkdir(dir2);
    await symlink('../outside/etc', join(dir2, 'etc'));
    assert.equal(await readRootfsFile(dir2, '/etc/passwd', 1024), undefined);
    await assert.rejects(resolveUser(dir2, 'evil'), NotFoundError);
  });
  it('follows symlinks that stay inside, resolved against the rootfs', async () => {
    const dir = await rootfs({ group: GROUP });
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'passwd'), PASSWD);
    await symlink('/data/passwd', join(dir, 'etc', 'passwd'));
    assert.equal((await resolveUser(dir, 'tuser')).uid, 1000);
    assert.equal(await readRootfsFile(dir, '/etc/../etc/./passwd', 1 << 20), PASSWD);
  });
  it('treats loops, directories and FIFOs as missing without blocking', async () => {
    const dir = await rootfs({});
    await symlink('group', join(dir, 'etc', 'passwd'));
    await symlink('passwd', join(dir, 'etc', 'group'));
    assert.equal(await readRootfsFile(dir, '/etc/passwd', 1024), undefined);
    await mkdir(join(dir, 'etc', 'shadow'));
    assert.equal(await readRootfsFile(dir, '/etc/shadow', 1024), undefined);
    execFileSync('mkfifo', [join(dir, 'etc', 'fifo')]);
    assert.equal(await readRootfsFile(dir, '/etc/fifo', 1024), undefined);
    assert.equal(await readRootfsFile(dir, '/etc/passwd/x', 1024), undefined);
  });
  it('reports a missing rootfs as not found, naming it', async () => {
    const missing = join(scratch, 'no-such-rootfs');
    await assert.rejects(resolveUser(missing, 'root'), (err: unknown) => err instanceof NotFoundError && err.message.includes(missing));
  });
  it('refuses files over the size cap', async () => {
    const dir = await rootfs({ passwd: 'x'.repeat(2048) });
    await assert.rejects(readRootfsFile(dir, '/etc/passwd', 1024), { message: '/etc/passwd in the image is larger than 1024 bytes' });
    assert.equal(await readRootfsFile(dir, '/etc/passwd', 2048), 'x'.repeat(2048));
  });
});

describe('passwd and group parsing', () => {
  it('skips comments, NIS entries and malformed lines', () => {
    assert.deepEqual(parsePasswd(PASSWD).map((e) => e.name), ['root', 'tuser', 'daemon', 'nobody']);
    assert.deepEqual(parseGroup(GROUP).find((g) => g.name === 'wheel'), { name: 'wheel', gid: 10, members: ['root', 'tuser'] });
  });
});
