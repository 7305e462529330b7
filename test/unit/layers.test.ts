/**
 * Layer unpacking against archives built here, byte by byte, so every hostile shape is
 * spelled out in the test that refuses it; and against a real OCI image compared with
 * umoci's unpack. Runs as root (ownership, device nodes, trusted.* xattrs, overlay mounts).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Header, type HeaderData } from 'tar';
import { sha256Digest } from '../../src/content/digest.js';
import { AlreadyExistsError, CorruptError, InvalidArgumentError, ResourceExhaustedError } from '../../src/errors.js';
import { applyLayer, removeStaleUnpacks, unpackLayer, type UnpackOptions, type UnpackResult } from '../../src/layers/index.js';

// ---- archives built in the test ------------------------------------------------------------

const MTIME = new Date('2024-01-01T00:00:00Z');

interface TarEntry {
  header: HeaderData;
  body?: Buffer;
}

function tar(...entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { header, body = Buffer.alloc(0) } of entries) {
    const h = new Header({ mode: 0o644, uid: 0, gid: 0, mtime: MTIME, ...header, size: body.length });
    h.encode();
    blocks.push(h.block!, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024)); // end of archive: two zero blocks
  return Buffer.concat(blocks);
}

const file = (path: string, content = '', header: HeaderData = {}): TarEntry => ({ header: { path, type: 'File', ...header }, body: Buffer.from(content) });
const dir = (path: string, header: HeaderData = {}): TarEntry => ({ header: { path, type: 'Directory', mode: 0o755, ...header } });
const symlink = (path: string, linkpath: string): TarEntry => ({ header: { path, type: 'SymbolicLink', linkpath, mode: 0o777 } });
const hardlink = (path: string, linkpath: string): TarEntry => ({ header: { path, type: 'Link', linkpath } });
const whiteout = (path: string): TarEntry => file(path);

// ---- looking at trees ----------------------------------------------------------------------

let scratch: string;
before(async () => {
  assert.equal(process.geteuid?.(), 0, 'layer tests need root: ownership, device nodes, trusted.* xattrs');
  scratch = await mkdtemp(join(tmpdir(), 'tpod-layers-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let dirs = 0;
/** A fresh directory for one test, holding `layer` (the target, not created) and `victim`. */
async function workspace(): Promise<{ base: string; target: string; victim: string }> {
  const base = join(scratch, `ws-${dirs++}`);
  const victim = join(base, 'victim');
  await mkdir(victim, { recursive: true });
  await writeFile(join(victim, 'secret'), 'do not touch');
  return { base, target: join(base, 'layer'), victim };
}

function typeOf(st: Stats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

interface NodeSummary {
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size?: number;
  sha256?: string;
  link?: string;
  rdev?: number;
}

/** Everything under `root` by relative path, as umoci and overlayfs users would see it. */
async function summarize(root: string, options: { mtimes?: boolean } = {}): Promise<Map<string, NodeSummary & { mtime?: number }>> {
  const out = new Map<string, NodeSummary & { mtime?: number }>();
  async function walk(rel: string): Promise<void> {
    const abs = rel === '.' ? root : join(root, rel);
    const st = await lstat(abs);
    const node: NodeSummary & { mtime?: number } = { type: typeOf(st), mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid };
    if (st.isFile()) {
      node.size = st.size;
      node.sha256 = createHash('sha256').update(await readFile(abs)).digest('hex');
    }
    if (st.isSymbolicLink()) node.link = await readlink(abs);
    if (st.isCharacterDevice() || st.isBlockDevice()) node.rdev = st.rdev;
    if (options.mtimes && !st.isSymbolicLink()) node.mtime = Math.floor(st.mtimeMs / 1000);
    out.set(rel, node);
    if (st.isDirectory()) {
      for (const name of (await readdir(abs)).sort()) await walk(rel === '.' ? name : `${rel}/${name}`);
    }
  }
  await walk('.');
  return out;
}

function opaqueXattr(path: string): string | undefined {
  const run = spawnSync('getfattr', ['--only-values', '-h', '-n', 'trusted.overlay.opaque', path], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout : undefined;
}

async function isWhiteoutDevice(path: string): Promise<boolean> {
  const st = await lstat(path);
  return st.isCharacterDevice() && st.rdev === 0;
}

/** Asserts an unpack was refused with a CorruptError naming the entry, and left nothing. */
async function assertRefused(work: { base: string; target: string; victim: string }, blob: Buffer, message: RegExp, options?: UnpackOptions): Promise<void> {
  const victimBefore = await summarize(work.victim, { mtimes: true });
  await assert.rejects(unpackLayer([blob], work.target, options), (err: unknown) => {
    assert.ok(err instanceof CorruptError, `want CorruptError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
  assert.deepEqual(await readdir(work.base), ['victim'], 'no target and no staging directory left');
  assert.deepEqual(await summarize(work.victim, { mtimes: true }), victimBefore, 'nothing outside the target changed');
}

const EMPTY_TAR_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

// ---- tests ----------------------------------------------------------------------------------

describe('unpackLayer: files and attributes', () => {
  it('keeps modes (setuid, setgid, sticky), owners, mtimes and contents', async () => {
    const { target } = await workspace();
    await unpackLayer(
      [
        tar(
          dir('./', { mode: 0o755 }),
          dir('bin/', { mode: 0o755 }),
          file('bin/su', '#!/bin/su\n', { mode: 0o4755 }),
          file('bin/wall', 'wall', { mode: 0o2755, gid: 5 }),
          dir('tmp/', { mode: 0o1777 }),
          dir('home/tuser/', { mode: 0o750, uid: 1000, gid: 1000 }),
          file('home/tuser/private', 'secret', { mode: 0o600, uid: 1000, gid: 1000 }),
          file('nobody', 'x', { mode: 0o640, uid: 65534, gid: 65534 }),
          dir('ro/', { mode: 0o555 }),
          file('ro/inside', 'written after its read-only directory'),
        ),
      ],
      target,
    );
    const tree = await summarize(target, { mtimes: true });
    const at = (rel: string) => tree.get(rel);
    assert.deepEqual(at('bin/su'), { type: 'file', mode: '4755', uid: 0, gid: 0, size: 10, sha256: createHash('sha256').update('#!/bin/su\n').digest('hex'), mtime: MTIME.getTime() / 1000 });
    assert.equal(at('bin/wall')?.mode, '2755');
    assert.equal(at('bin/wall')?.gid, 5);
    assert.equal(at('tmp')?.mode, '1777');
    assert.deepEqual([at('home/tuser')?.mode, at('home/tuser')?.uid, at('home/tuser')?.gid], ['750', 1000, 1000]);
    assert.deepEqual([at('home/tuser/private')?.mode, at('home/tuser/private')?.uid], ['600', 1000]);
    assert.deepEqual([at('nobody')?.uid, at('nobody')?.gid], [65534, 65534]);
    assert.equal(at('ro')?.mode, '555');
    assert.equal(at('ro/inside')?.type, 'file');
    // Directory times are set after their children are written.
    for (const d of ['.', 'bin', 'ro', 'home/tuser']) assert.equal(at(d)?.mtime, MTIME.getTime() / 1000, d);
    // Parents the layer never listed are made 0755 root.
    assert.deepEqual([at('home')?.type, at('home')?.mode, at('home')?.uid], ['dir', '755', 0]);
  });

  it('makes hardlinks to entries of the layer, and symlinks with any target, never followed', async () => {
    const { target } = await workspace();
    await unpackLayer(
      [
        tar(
          file('usr/bin/busybox', 'bb', { mode: 0o755 }),
          hardlink('bin/sh', 'usr/bin/busybox'),
          hardlink('./bin/ash', './usr/bin/busybox'),
          symlink('bin/ls', 'busybox'),
          symlink('lib', 'usr/lib'),
          symlink('abs', '/etc/passwd'),
          symlink('up', '../../../../outside'),
          symlink('dangling', 'nowhere/at/all'),
          hardlink('linked-symlink', 'abs'),
        ),
      ],
      target,
    );
    const bb = await lstat(join(target, 'usr/bin/busybox'));
    assert.equal(bb.nlink, 3);
    assert.equal((await lstat(join(target, 'bin/sh'))).ino, bb.ino);
    assert.equal((await lstat(join(target, 'bin/ash'))).ino, bb.ino);
    for (const [path, link] of [['bin/ls', 'busybox'], ['lib', 'usr/lib'], ['abs', '/etc/passwd'], ['up', '../../../../outside'], ['dangling', 'nowhere/at/all'], ['linked-symlink', '/etc/passwd']]) {
      assert.equal(await readlink(join(target, path!)), link, path);
    }
  });

  it('creates FIFOs and device nodes', async () => {
    const { target } = await workspace();
    await unpackLayer(
      [
        tar(
          { header: { path: 'dev/null', type: 'CharacterDevice', devmaj: 1, devmin: 3, mode: 0o666 } },
          { header: { path: 'dev/loop0', type: 'BlockDevice', devmaj: 7, devmin: 0, mode: 0o660, gid: 6 } },
          { header: { path: 'run/fifo', type: 'FIFO', mode: 0o620, uid: 1000 } },
        ),
      ],
      target,
    );
    const tree = await summarize(target);
    assert.deepEqual(tree.get('dev/null'), { type: 'char', mode: '666', uid: 0, gid: 0, rdev: (1 << 8) | 3 });
    assert.deepEqual(tree.get('dev/loop0'), { type: 'block', mode: '660', uid: 0, gid: 6, rdev: 7 << 8 });
    assert.deepEqual(tree.get('run/fifo'), { type: 'fifo', mode: '620', uid: 1000, gid: 0 });
  });

  it('an entry over an existing one replaces it; a directory over a directory keeps its children', async () => {
    const { target } = await workspace();
    await unpackLayer(
      [
        tar(
          dir('d/', { mode: 0o700 }),
          file('d/child', 'kept'),
          dir('d/', { mode: 0o711, uid: 1000 }),
          dir('x/'),
          file('x/inside'),
          file('x', 'a file now'),
          file('f', 'old'),
          symlink('f', 'new-target'),
          // A file over a file: the second one's bytes and mode, even one the umask filters.
          file('g', 'first version', { mode: 0o600 }),
          file('g', 'second', { mode: 0o664 }),
          file('none', 'unreadable', { mode: 0o000 }),
        ),
      ],
      target,
    );
    const tree = await summarize(target);
    assert.deepEqual([tree.get('g')?.mode, await readFile(join(target, 'g'), 'utf8')], ['664', 'second']);
    assert.deepEqual([tree.get('none')?.mode, tree.get('none')?.size], ['0', 10]);
    assert.deepEqual([tree.get('d')?.mode, tree.get('d')?.uid, tree.get('d/child')?.type], ['711', 1000, 'file']);
    assert.equal(tree.get('x')?.type, 'file');
    assert.equal(tree.has('x/inside'), false);
    assert.equal(tree.get('f')?.link, 'new-target');
  });
});

describe('unpackLayer: compression and digests', () => {
  const layer = tar(dir('etc/'), file('etc/hostname', 'tpod\n'), symlink('etc/localtime', '/usr/share/zoneinfo/UTC'));
  const diffId = sha256Digest(layer);

  it('gzip and plain tar give the same diffID; the digest is of the blob as given', async () => {
    const gz = gzipSync(layer);
    const plain = await unpackLayer([layer], (await workspace()).target);
    const zipped = await unpackLayer([gz], (await workspace()).target);
    assert.deepEqual(plain, { digest: diffId, size: layer.length, diffId, uncompressedSize: layer.length, compression: 'none' } satisfies UnpackResult);
    assert.deepEqual(zipped, { digest: sha256Digest(gz), size: gz.length, diffId, uncompressedSize: layer.length, compression: 'gzip' } satisfies UnpackResult);
  });

  it('gives the same result fed one byte at a time as all at once', async () => {
    const gz = gzipSync(layer);
    const bytes = function* (buf: Buffer): Generator<Buffer> {
      for (let i = 0; i < buf.length; i++) yield buf.subarray(i, i + 1);
    };
    const a = await unpackLayer(bytes(gz), (await workspace()).target);
    const b = await unpackLayer(bytes(layer), (await workspace()).target);
    assert.equal(a.diffId, diffId);
    assert.equal(b.diffId, diffId);
  });

  it('reads concatenated gzip members and trailing zero padding, hashing every byte', async () => {
    const half = 1024;
    const members = Buffer.concat([gzipSync(layer.subarray(0, half)), gzipSync(layer.subarray(half)), Buffer.alloc(300)]);
    const { target } = await workspace();
    const result = await unpackLayer([members.subarray(0, 100), members.subarray(100, members.length - 200), members.subarray(members.length - 200)], target);
    assert.equal(result.diffId, diffId);
    assert.equal(result.digest, sha256Digest(members));
    assert.equal(result.size, members.length);
  });

  it('verifies the expected digest and diffID before the layer appears', async () => {
    const gz = gzipSync(layer);
    const wrong = sha256Digest('wrong');
    const work = await workspace();
    await assertRefused(work, gz, new RegExp(`^digest mismatch for ${wrong}: got ${sha256Digest(gz)}$`), { expected: { digest: wrong } });
    await assertRefused(work, gz, /^diffID mismatch for layer sha256:[0-9a-f]{64}: the image config says sha256:/, { expected: { digest: sha256Digest(gz), diffId: wrong } });
    await unpackLayer([gz], work.target, { expected: { digest: sha256Digest(gz), diffId } });
  });

  it('refuses zstd by name', async () => {
    const { target, base } = await workspace();
    const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(100)]);
    await assert.rejects(unpackLayer([zstd], target), (err: unknown) => err instanceof InvalidArgumentError && /zstd-compressed layers are not supported/.test(err.message));
    assert.deepEqual(await readdir(base), ['victim']);
  });

  it('refuses damaged input: truncated gzip, garbage after it, not a tar, truncated tar', async () => {
    const work = await workspace();
    const gz = gzipSync(layer);
    await assertRefused(work, gz.subarray(0, gz.length - 10), /is not a valid gzip stream: unexpected end of file/);
    await assertRefused(work, Buffer.concat([gz, Buffer.from('garbage')]), /is not a valid gzip stream|trailing data/);
    await assertRefused(work, Buffer.from('this is not a tar archive at all'.repeat(40)), /is not a valid tar archive/);
    await assertRefused(work, layer.subarray(0, 700), /is not a valid tar archive: truncated within a header/);
    await assertRefused(work, layer.subarray(0, 1100), /is not a valid tar archive: truncated in entry "etc\/hostname", \d+ bytes short/);
  });

  it('accepts an empty layer (only end-of-archive blocks)', async () => {
    const { target } = await workspace();
    const result = await unpackLayer([gzipSync(Buffer.alloc(1024))], target);
    assert.equal(result.diffId, EMPTY_TAR_DIFF_ID);
    assert.deepEqual(await readdir(target), []);
  });

  it('preserveOwner: false leaves files to the unpacking user', async () => {
    const { target } = await workspace();
    await unpackLayer([tar(file('f', 'x', { uid: 1000, gid: 1000, mode: 0o640 }), dir('d/', { uid: 65534 }))], target, { preserveOwner: false });
    const tree = await summarize(target);
    assert.deepEqual([tree.get('f')?.uid, tree.get('f')?.gid, tree.get('f')?.mode, tree.get('d')?.uid], [0, 0, '640', 0]);
  });

  it('a full disk is ResourceExhaustedError and leaves no half layer', async (t) => {
    const base = join(scratch, `enospc-${dirs++}`);
    await mkdir(base);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', base]).status !== 0) return t.skip('cannot mount a tmpfs here');
    try {
      const big = tar(file('big', 'x'.repeat(1 << 20)));
      await assert.rejects(unpackLayer([big], join(base, 'layer'), { sync: false }), (err: unknown) => err instanceof ResourceExhaustedError && /no space left on device while unpacking layer .* entry "big"/.test(err.message));
      assert.deepEqual(await readdir(base), []);
    } finally {
      execFileSync('umount', [base]);
    }
  });

  it('a killed unpack leaves no half layer; removeStaleUnpacks clears its staging', async () => {
    const { base, target } = await workspace();
    const layers = fileURLToPath(new URL('../../src/layers/index.js', import.meta.url));
    const tarModule = fileURLToPath(import.meta.resolve('tar'));
    // A child unpacks a layer whose source stalls half way through a file; we kill -9 it.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { unpackLayer } = await import(${JSON.stringify(layers)});
      const { Header } = await import(${JSON.stringify(tarModule)});
      const header = new Header({ path: 'big', type: 'File', mode: 0o644, size: 1 << 20, mtime: new Date() });
      header.encode();
      setInterval(() => {}, 1000);
      async function* stalls() { yield header.block; yield Buffer.alloc(4096, 1); await new Promise(() => {}); }
      await unpackLayer(stalls(), ${JSON.stringify(target)});
    `], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let staging: string | undefined;
    for (let i = 0; i < 200 && !staging; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const name = (await readdir(base)).find((n) => n.startsWith('.layer.unpack-'));
      if (name && (await lstat(join(base, name, 'root', 'big')).catch(() => undefined))?.size) staging = join(base, name);
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(staging, 'the child got as far as writing a file');
    assert.deepEqual((await readdir(base)).sort(), [staging.slice(base.length + 1), 'victim'].sort(), 'no layer at the target path');
    assert.equal(await removeStaleUnpacks(base, 60_000), 0, 'a young staging directory may still be in use');
    assert.equal(await removeStaleUnpacks(base, 0), 1);
    assert.deepEqual(await readdir(base), ['victim']);
  });

  it('never replaces an existing layer directory', async () => {
    const { target } = await workspace();
    await mkdir(target);
    await assert.rejects(unpackLayer([layer], target), AlreadyExistsError);
  });

  it('streams a large layer in constant memory', async () => {
    const { target } = await workspace();
    const chunk = Buffer.alloc(1 << 20, 7);
    const size = 64 << 20;
    const header = new Header({ path: 'big', type: 'File', mode: 0o644, size, mtime: MTIME });
    header.encode();
    async function* big(): AsyncGenerator<Buffer> {
      yield header.block!;
      for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
      yield Buffer.alloc(1024);
    }
    const rssBefore = process.memoryUsage().rss;
    const result = await unpackLayer(big(), target, { sync: false });
    assert.equal((await lstat(join(target, 'big'))).size, size);
    assert.equal(result.uncompressedSize, 512 + size + 1024);
    assert.ok(process.memoryUsage().rss - rssBefore < 48 << 20, 'a 64 MiB layer is not held in memory');
  });
});

describe('unpackLayer: whiteouts as overlayfs markers', () => {
  it('turns .wh.<name> into a 0/0 character device and .wh..wh..opq into trusted.overlay.opaque', async () => {
    const { target } = await workspace();
    await unpackLayer(
      [tar(dir('etc/'), whiteout('etc/.wh.shadow'), whiteout('var/lib/.wh..wh..opq'), file('var/lib/new', 'n'), whiteout('.wh.gone'), whiteout('a/b/.wh.c'))],
      target,
    );
    assert.ok(await isWhiteoutDevice(join(target, 'etc/shadow')));
    assert.ok(await isWhiteoutDevice(join(target, 'gone')));
    assert.ok(await isWhiteoutDevice(join(target, 'a/b/c')));
    assert.equal(opaqueXattr(join(target, 'var/lib')), 'y');
    assert.equal(opaqueXattr(join(target, 'etc')), undefined);
    const names = new Set((await summarize(target)).keys());
    for (const name of names) assert.ok(!name.split('/').some((part) => part.startsWith('.wh.')), `${name} is not a whiteout file`);
  });

  it("whiteouts never hide the layer's own files; a directory replacing a whiteout is opaque", async () => {
    const { target } = await workspace();
    await unpackLayer(
      [
        tar(
          file('kept', 'mine'),
          whiteout('.wh.kept'), // after the file: the file stays (it hides the lower one itself)
          dir('own/'),
          file('own/x'),
          whiteout('.wh.own'), // this layer's directory: stays, lower one hidden by opacity
          whiteout('.wh.redone'),
          dir('redone/'), // replaces the whiteout device: must hide the lower directory
          file('redone/y'),
        ),
      ],
      target,
    );
    const tree = await summarize(target);
    assert.equal(tree.get('kept')?.type, 'file');
    assert.equal(tree.get('own/x')?.type, 'file');
    assert.equal(opaqueXattr(join(target, 'own')), 'y');
    assert.equal(tree.get('redone')?.type, 'dir');
    assert.equal(opaqueXattr(join(target, 'redone')), 'y');
  });

  it('skips aufs metadata (.wh..wh.plnk and friends)', async () => {
    const { target } = await workspace();
    await unpackLayer([tar(dir('.wh..wh.plnk/'), file('.wh..wh.plnk/123.456', 'x'), file('.wh..wh.aufs'), file('real'))], target);
    assert.deepEqual(await readdir(target), ['real']);
  });
});

describe('applyLayer: whiteouts delete', () => {
  async function rootfs(...layers: Buffer[]): Promise<string> {
    const root = join(scratch, `rootfs-${dirs++}`);
    await mkdir(root);
    for (const layer of layers) await applyLayer([layer], root);
    return root;
  }

  it('deletes what whiteouts name in lower layers, files and whole trees', async () => {
    const root = await rootfs(
      tar(dir('etc/'), file('etc/passwd', 'root'), file('etc/shadow', 's'), dir('var/cache/apt/'), file('var/cache/apt/pkg', 'p')),
      tar(whiteout('etc/.wh.shadow'), whiteout('var/cache/.wh.apt'), whiteout('etc/.wh.never-existed'), whiteout('no/such/.wh.dir')),
    );
    const tree = await summarize(root);
    assert.deepEqual([...tree.keys()], ['.', 'etc', 'etc/passwd', 'var', 'var/cache']);
  });

  it('an opaque whiteout removes lower children but keeps the layer\'s own, in either order (layer.md example)', async () => {
    const base = tar(dir('a/'), dir('a/b/'), dir('a/b/c/'), file('a/b/c/bar', 'lower'), file('a/top', 'lower'));
    const opaqueFirst = tar(dir('a/'), whiteout('a/.wh..wh..opq'), dir('a/b/'), dir('a/b/c/'), file('a/b/c/foo', 'upper'));
    const opaqueLast = tar(dir('a/'), dir('a/b/'), dir('a/b/c/'), file('a/b/c/foo', 'upper'), whiteout('a/.wh..wh..opq'));
    for (const upper of [opaqueFirst, opaqueLast]) {
      const tree = await summarize(await rootfs(base, upper));
      assert.deepEqual([...tree.keys()], ['.', 'a', 'a/b', 'a/b/c', 'a/b/c/foo']);
    }
  });

  it("a whiteout spares the layer's own file of the same name, in either order", async () => {
    const base = tar(file('f', 'lower'), dir('d/'), file('d/lower'));
    const tree1 = await summarize(await rootfs(base, tar(whiteout('.wh.f'), file('f', 'upper'), whiteout('.wh.d'), dir('d/'), file('d/upper'))));
    const tree2 = await summarize(await rootfs(base, tar(file('f', 'upper'), dir('d/'), file('d/upper'), whiteout('.wh.f'), whiteout('.wh.d'))));
    for (const tree of [tree1, tree2]) {
      assert.equal(tree.get('f')?.sha256, createHash('sha256').update('upper').digest('hex'));
      assert.deepEqual([...tree.keys()].filter((k) => k.startsWith('d')), ['d', 'd/upper']);
    }
  });

  it('replaces a lower directory by a symlink (usrmerge) and a symlink by a directory', async () => {
    const tree = await summarize(await rootfs(tar(dir('lib/'), file('lib/libc.so'), symlink('sbin', 'bin')), tar(symlink('lib', 'usr/lib'), dir('sbin/'), file('sbin/init'))));
    assert.equal(tree.get('lib')?.link, 'usr/lib');
    assert.equal(tree.has('lib/libc.so'), false);
    assert.equal(tree.get('sbin')?.type, 'dir');
    assert.equal(tree.get('sbin/init')?.type, 'file');
  });

  it('never deletes through a lower symlink: whiteouts below it have nothing to hide', async () => {
    const { victim } = await workspace();
    const root = await rootfs(tar(symlink('etc', victim), symlink('secret-link', join(victim, 'secret'))));
    await applyLayer([tar(whiteout('etc/.wh.secret'), whiteout('etc/.wh..wh..opq'), whiteout('.wh.secret-link'))], root);
    assert.deepEqual(await readdir(victim), ['secret']);
    assert.equal(await readFile(join(victim, 'secret'), 'utf8'), 'do not touch');
    assert.equal(await readlink(join(root, 'etc')), victim);
    assert.deepEqual(await readdir(root), ['etc'], 'the symlink itself was whited out, not its target');
  });
});

describe('unpackLayer: path safety', () => {
  it('../ traversal', async () => {
    const work = await workspace();
    await assertRefused(work, tar(file('ok'), file('../victim/pwned', 'x')), /^layer .* entry "\.\.\/victim\/pwned" escapes the layer root$/);
    await assertRefused(work, tar(file('a/../../victim/pwned', 'x')), /entry "a\/\.\.\/\.\.\/victim\/pwned" escapes the layer root/);
    await assertRefused(work, tar(dir('../')), /entry "\.\.\/" escapes the layer root/);
  });

  it('absolute path', async () => {
    const work = await workspace();
    await assertRefused(work, tar(file(join(work.victim, 'pwned'), 'x')), /entry "\/.*\/victim\/pwned" is an absolute path/);
    await assertRefused(work, tar(file('/etc/passwd', 'x')), /entry "\/etc\/passwd" is an absolute path/);
  });

  it('hardlink out of the root', async () => {
    const work = await workspace();
    await assertRefused(work, tar(hardlink('stolen', '../victim/secret')), /entry "stolen" is a hardlink to "\.\.\/victim\/secret" outside the layer root/);
    await assertRefused(work, tar(hardlink('stolen', join(work.victim, 'secret'))), /entry "stolen" is a hardlink to ".*victim\/secret" outside the layer root/);
    await assertRefused(work, tar(hardlink('stolen', 'not-in-layer')), /entry "stolen" is a hardlink to "not-in-layer", which is not in the layer/);
  });

  it('symlink then write through it (a -> /outside, then a/file)', async () => {
    const work = await workspace();
    await assertRefused(work, tar(symlink('a', work.victim), file('a/file', 'pwned')), /^layer .* entry "a\/file" passes through symlink "a"$/);
    await assertRefused(work, tar(symlink('a', work.victim), file('a/secret', 'pwned')), /entry "a\/secret" passes through symlink "a"/);
    await assertRefused(work, tar(symlink('a', work.victim), dir('a/sub/')), /passes through symlink "a"/);
    await assertRefused(work, tar(symlink('a', work.victim), hardlink('h', 'a/secret')), /entry "h" .*passes through symlink "a"|entry "h" passes through symlink "a"/);
    await assertRefused(work, tar(symlink('a', '../victim'), file('a/file', 'pwned')), /passes through symlink "a"/);
  });

  it('symlink chain', async () => {
    const work = await workspace();
    await assertRefused(work, tar(symlink('b', work.victim), symlink('a', 'b'), file('a/file', 'pwned')), /entry "a\/file" passes through symlink "a"/);
    await assertRefused(work, tar(dir('d/'), symlink('d/up', '..'), symlink('up2', 'd/up'), file('up2/up2/../victim/file', 'pwned')), /escapes the layer root|passes through symlink/);
    await assertRefused(work, tar(dir('d/'), symlink('d/loop', '../d/loop'), file('d/loop/x')), /passes through symlink "d\/loop"/);
  });

  it('whiteouts below a symlink are skipped, never followed', async () => {
    const work = await workspace();
    await unpackLayer([tar(symlink('a', work.victim), whiteout('a/.wh.secret'), whiteout('a/.wh..wh..opq'), whiteout('a/sub/.wh.x'))], work.target);
    assert.deepEqual(await readdir(work.victim), ['secret']);
    assert.equal(opaqueXattr(work.victim), undefined);
    assert.equal(await readlink(join(work.target, 'a')), work.victim);
  });

  it('a symlink replaced by a directory is written into safely', async () => {
    const work = await workspace();
    await unpackLayer([tar(symlink('a', work.victim), dir('a/'), file('a/file', 'inside'))], work.target);
    assert.equal(await readFile(join(work.target, 'a/file'), 'utf8'), 'inside');
    assert.deepEqual(await readdir(work.victim), ['secret']);
  });

  it('refuses unsupported entry types and replacing the root', async () => {
    const work = await workspace();
    await assertRefused(work, tar({ header: { path: 'sparse', type: 'SparseFile' } }), /entry "sparse" has unsupported type/);
    await assertRefused(work, tar(file('.', 'x')), /entry "\." would replace the layer root/);
    await assertRefused(work, tar(symlink('.', '/etc')), /entry "\." would replace the layer root/);
  });
});

// ---- overlay: the per-layer directories mounted together equal the flattened rootfs --------

function tryMountOverlay(lowers: string[], mountpoint: string): boolean {
  // lowerdir lists the top layer first.
  const run = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${[...lowers].reverse().join(':')}`, mountpoint], { encoding: 'utf8' });
  return run.status === 0;
}

async function compareOverlayWithFlattened(layers: Buffer[], label: string, t: { skip: (msg: string) => void }): Promise<void> {
  const base = join(scratch, `overlay-${dirs++}`);
  const flat = join(base, 'flat');
  await mkdir(flat, { recursive: true });
  const lowers: string[] = [];
  for (const [i, layer] of layers.entries()) {
    await applyLayer([layer], flat);
    lowers.push(join(base, `layer-${i}`));
    await unpackLayer([layer], lowers[i]!, { sync: false });
  }
  const merged = join(base, 'merged');
  await mkdir(merged);
  if (!tryMountOverlay(lowers, merged)) {
    t.skip('overlayfs cannot be mounted here');
    return;
  }
  try {
    const mergedTree = await summarize(merged);
    const flatTree = await summarize(flat);
    // The mount point's root is the overlay's own; compare everything under it.
    mergedTree.delete('.');
    flatTree.delete('.');
    assert.deepEqual(mergedTree, flatTree, label);
  } finally {
    execFileSync('umount', [merged]);
  }
}

describe('overlay layers mounted equal the layers applied with deletion', () => {
  it('for whiteouts, opaque directories and replaced directories', async (t) => {
    await compareOverlayWithFlattened(
      [
        tar(dir('etc/'), file('etc/passwd', 'root'), file('etc/shadow'), dir('var/lib/apt/'), file('var/lib/apt/lists'), dir('a/b/c/'), file('a/b/c/bar'), dir('lib/'), file('lib/x')),
        tar(whiteout('etc/.wh.shadow'), whiteout('var/lib/.wh..wh..opq'), file('var/lib/dpkg'), whiteout('a/.wh.b'), dir('a/b/'), file('a/b/new'), symlink('lib', 'usr/lib')),
        tar(whiteout('.wh.var'), dir('var/'), file('var/fresh')),
      ],
      'overlay of three layers',
      t,
    );
  });
});

// ---- a real image: umoci builds and unpacks it, tpod must agree ------------------------------

interface OciLayout {
  dir: string;
  tag: string;
}

function umoci(...args: string[]): void {
  execFileSync('umoci', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Two layers made by umoci from files on disk; the second deletes, replaces and adds. */
async function buildImage(base: string): Promise<OciLayout> {
  const layout = join(base, 'oci');
  const bundle = join(base, 'bundle');
  umoci('init', '--layout', layout);
  umoci('new', '--image', `${layout}:t`);
  umoci('unpack', '--image', `${layout}:t`, bundle);
  const rootfs = join(bundle, 'rootfs');
  const sh = (script: string) => execFileSync('sh', ['-ec', script], { cwd: rootfs });
  sh(`
    mkdir -p bin etc tmp home/tuser dev usr/lib "dir with spaces" deep/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z
    printf 'root:x:0:0::/root:/bin/sh\\n' > etc/passwd
    cp /bin/busybox bin/busybox
    ln bin/busybox bin/sh
    ln -s busybox bin/ls
    ln -s /etc/passwd etc/passwd-abs
    ln -s ../../nowhere dangling
    chmod 1777 tmp
    chown 1000:1000 home/tuser && chmod 750 home/tuser
    printf private > home/tuser/private && chown 1000:1000 home/tuser/private && chmod 600 home/tuser/private
    printf nobody > nobody && chown 65534:65534 nobody
    printf suid > bin/suid && chmod 4755 bin/suid
    mkdir sgid && chmod 2775 sgid
    mknod dev/null c 1 3 && chmod 666 dev/null
    mkfifo tmp/fifo
    printf 'long name' > "deep/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/a-file-name-long-enough-to-need-pax-or-gnu-headers-$(printf 'x%.0s' $(seq 1 60))"
    printf 'spaces and ünïcode' > "dir with spaces/fïle ☃"
    head -c 300000 /dev/urandom > usr/lib/blob
    mkdir -p doomed/sub && printf d > doomed/sub/f && printf gone > etc/gone
  `);
  umoci('repack', '--refresh-bundle', '--image', `${layout}:t`, bundle);
  sh(`
    rm -rf doomed etc/gone
    printf 'root:x:0:0::/root:/bin/ash\\n' > etc/passwd
    rm -rf usr/lib && ln -s ../lib usr/lib
    chmod 700 home/tuser
    printf new > etc/new
  `);
  umoci('repack', '--image', `${layout}:t`, bundle);
  return { dir: layout, tag: 't' };
}

interface ImageLayers {
  layers: Array<{ digest: string; diffId: string; path: string }>;
}

async function readImage({ dir: layout, tag }: OciLayout): Promise<ImageLayers> {
  const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  assert.ok(entry, `tag ${tag} in ${layout}`);
  const manifest = JSON.parse(await readFile(blob(entry.digest), 'utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
  const config = JSON.parse(await readFile(blob(manifest.config.digest), 'utf8')) as { rootfs: { diff_ids: string[] } };
  return { layers: manifest.layers.map((l, i) => ({ digest: l.digest, diffId: config.rootfs.diff_ids[i]!, path: blob(l.digest) })) };
}

describe('a real OCI image', () => {
  it('unpacks file for file as umoci unpack does, verifying digests and diffIDs', async (t) => {
    const base = join(scratch, 'real-image');
    await mkdir(base);
    const fixtures = process.env.TPOD_TEST_FIXTURES;
    const image: OciLayout = fixtures ? { dir: join(fixtures, 'oci'), tag: 'multilayer' } : await buildImage(base);
    const { layers } = await readImage(image);
    assert.ok(layers.length >= 2);

    const reference = join(base, 'umoci-bundle');
    umoci('unpack', '--image', `${image.dir}:${image.tag}`, reference);

    const flat = join(base, 'flat');
    await mkdir(flat);
    for (const layer of layers) {
      const result = await applyLayer(createReadStream(layer.path), flat, { expected: { digest: layer.digest, diffId: layer.diffId } });
      assert.equal(result.diffId, layer.diffId);
    }
    const ours = await summarize(flat);
    const theirs = await summarize(join(reference, 'rootfs'));
    assert.deepEqual([...ours.keys()], [...theirs.keys()], 'the same paths');
    for (const [path, node] of theirs) assert.deepEqual(ours.get(path), node, path);

    const blobs = await Promise.all(layers.map((layer) => readFile(layer.path)));
    await compareOverlayWithFlattened(blobs, 'overlay of the real image', t);
  });
});
