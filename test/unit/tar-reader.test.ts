/**
 * The layer tar reader (layers/tar-reader.ts) against archives GNU tar writes in each of
 * its formats (gnu, oldgnu, ustar, pax, v7), read entry for entry as node-tar's Parser
 * reads them; then split at every kind of chunk boundary, and damaged in the ways a
 * hostile or broken layer can be. Runs as root (device nodes, any owner).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Parser, type ReadEntry } from 'tar';
import { CorruptError } from '../../src/errors.js';
import { EntryFailure, readTarEntries, type EntryBody, type TarEntry } from '../../src/layers/tar-reader.js';

/** What a reader saw of one entry, comparable across readers. */
interface Seen {
  path: string;
  type: string;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  mtime: number | undefined;
  linkpath: string;
  device?: string;
  body?: string;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Entries as this reader gives them, the archive fed in chunks of `chunkSize`. */
async function readOurs(archive: Buffer, chunkSize = 64 * 1024, devices = true): Promise<Seen[]> {
  const seen: Seen[] = [];
  await readTarEntries(chunks(archive, chunkSize), 'test archive', (entry) => {
    const item = summary(entry, devices);
    seen.push(item);
    if (entry.type !== 'file') return undefined;
    return collectBody((bytes) => (item.body = sha256(bytes)));
  });
  return seen;
}

function summary(entry: TarEntry, devices: boolean): Seen {
  const item: Seen = { path: entry.path, type: entry.type, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime?.getTime(), linkpath: entry.linkpath };
  if (devices && (entry.type === 'character' || entry.type === 'block')) item.device = `${entry.devmajor}:${entry.devminor}`;
  return item;
}

function collectBody(done: (bytes: Buffer) => void): EntryBody {
  const parts: Buffer[] = [];
  return {
    write: (bytes) => void parts.push(Buffer.from(bytes)),
    end: () => done(Buffer.concat(parts)),
    abort: () => undefined,
  };
}

const NODE_TAR_TYPES: Record<string, string> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
  CharacterDevice: 'character',
  BlockDevice: 'block',
  FIFO: 'fifo',
};

/** The same archive as node-tar's Parser reads it. */
async function readNodeTar(archive: Buffer, devices = true): Promise<Seen[]> {
  const seen: Seen[] = [];
  const parser = new Parser({ zstd: false });
  parser.on('entry', (entry: ReadEntry) => {
    const type = NODE_TAR_TYPES[entry.type] ?? `unknown ${entry.type}`;
    const isLink = type === 'symlink' || type === 'hardlink';
    const item: Seen = { path: entry.path, type, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime?.getTime(), linkpath: isLink ? (entry.linkpath ?? '') : '' };
    if (devices && (type === 'character' || type === 'block')) item.device = `${entry.header.devmaj}:${entry.header.devmin}`;
    seen.push(item);
    const parts: Buffer[] = [];
    entry.on('data', (bytes: Buffer) => parts.push(bytes));
    entry.on('end', () => {
      if (type === 'file') item.body = sha256(Buffer.concat(parts));
    });
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    parser.end(archive);
  });
  return seen;
}

async function* chunks(archive: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < archive.length; at += size) yield archive.subarray(at, at + size);
}

const LONG_DIR = `${'deep-directory-name/'.repeat(6)}and-more`; // 128 characters: over ustar's 100
const LONG_TARGET = `../${'x'.repeat(120)}/target`;
const UTF8_NAME = 'héllo-ü-日本.txt';

let scratch: string;
let tree: string;
before(() => {
  assert.equal(process.geteuid?.(), 0, 'tar reader tests need root: device nodes and owners');
  scratch = mkdtempSync(join(tmpdir(), 'tpod-tar-reader-'));
  tree = join(scratch, 'tree');
  buildTree(tree);
});
after(() => rmSync(scratch, { recursive: true, force: true }));


/** Files of every kind tar stores, with names and targets of every length that matters. */
function buildTree(root: string): void {
  mkdirSync(join(root, 'dir/sub'), { recursive: true, mode: 0o750 });
  writeFileSync(join(root, 'dir/empty'), '');
  writeFileSync(join(root, 'dir/small'), 'hello\n', { mode: 0o640 });
  const big = Buffer.alloc(1024 * 1024 + 3);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
  writeFileSync(join(root, 'dir/big'), big, { mode: 0o755 });
  writeFileSync(join(root, 'dir/setuid'), '#!/bin/sh\n', { mode: 0o4755 });
  linkSync(join(root, 'dir/small'), join(root, 'dir/hardlink'));
  symlinkSync('small', join(root, 'dir/symlink'));
  symlinkSync(LONG_TARGET, join(root, 'dir/long-symlink'));
  writeFileSync(join(root, UTF8_NAME), 'utf-8\n');
  mkdirSync(join(root, LONG_DIR), { recursive: true });
  writeFileSync(join(root, LONG_DIR, 'file-in-a-long-directory'), 'long\n');
  execFileSync('mkfifo', [join(root, 'dir/fifo')]);
  execFileSync('mknod', [join(root, 'dir/null'), 'c', '1', '3']);
  execFileSync('mknod', [join(root, 'dir/loop'), 'b', '7', '200']);
  execFileSync('chown', ['-h', '1000:1001', join(root, 'dir/small'), join(root, 'dir/symlink')]);
  utimesSync(join(root, 'dir/small'), new Date('2020-02-02T02:02:02Z'), new Date('2021-03-03T03:03:03.250Z'));
}

function gnuTar(format: string, paths: string[], extra: string[] = []): Buffer {
  return execFileSync('tar', ['--format', format, '--sort=name', ...extra, '-C', tree, '-cf', '-', ...paths], { maxBuffer: 64 * 1024 * 1024 });
}

const SHORT_PATHS = ['dir'];
const ALL_PATHS = ['dir', UTF8_NAME, 'deep-directory-name'];

describe('tar reader: what GNU tar writes, read as node-tar reads it', () => {
  // v7 and ustar cannot hold the long symlink target; v7 has no device numbers and no
  // long names. node-tar reads device numbers from POSIX ustar headers only.
  const cases: Array<{ format: string; paths: string[]; devices: boolean }> = [
    { format: 'pax', paths: ALL_PATHS, devices: true },
    { format: 'gnu', paths: ALL_PATHS, devices: false },
    { format: 'oldgnu', paths: ALL_PATHS, devices: false },
    { format: 'ustar', paths: [...SHORT_PATHS.map((p) => `${p}/small`), 'dir/big', 'dir/null', 'dir/loop', 'dir/symlink', 'dir/hardlink', UTF8_NAME, `${LONG_DIR}/file-in-a-long-directory`], devices: true },
    { format: 'v7', paths: ['dir/small', 'dir/big', 'dir/symlink', 'dir/hardlink', 'dir/sub'], devices: false },
  ];
  for (const { format, paths, devices } of cases) {
    it(`${format}: every entry, attribute and body alike`, async () => {
      const archive = gnuTar(format, paths);
      const ours = await readOurs(archive, 64 * 1024, devices);
      assert.deepEqual(ours, await readNodeTar(archive, devices));
      assert.ok(ours.length >= 5, `${format}: ${ours.length} entries`);
    });
  }

  it('reads what a user checks: long names and targets, UTF-8, owners, modes, times, device numbers', async () => {
    const entries = await readOurs(gnuTar('pax', ALL_PATHS));
    const byPath = new Map(entries.map((e) => [e.path.replace(/\/$/, ''), e]));
    assert.equal(byPath.get('dir/long-symlink')?.linkpath, LONG_TARGET);
    assert.equal(byPath.get(`${LONG_DIR}/file-in-a-long-directory`)?.type, 'file');
    assert.equal(byPath.get(UTF8_NAME)?.body, sha256(Buffer.from('utf-8\n')));
    // Sorted by name, dir/hardlink comes first: it holds the data, dir/small links to it.
    const data = byPath.get('dir/hardlink');
    assert.deepEqual([data?.type, data?.uid, data?.gid, data?.mode, data?.body], ['file', 1000, 1001, 0o640, sha256(Buffer.from('hello\n'))]);
    assert.equal(data?.mtime, Date.parse('2021-03-03T03:03:03.250Z'), 'pax keeps sub-second mtimes');
    assert.equal(byPath.get('dir/setuid')?.mode, 0o4755);
    assert.deepEqual([byPath.get('dir/small')?.type, byPath.get('dir/small')?.linkpath], ['hardlink', 'dir/hardlink']);
    assert.equal(byPath.get('dir/fifo')?.type, 'fifo');
    assert.equal(byPath.get('dir/null')?.device, '1:3');
    assert.equal(byPath.get('dir/loop')?.device, '7:200');
    assert.equal(byPath.get('dir/big')?.body, sha256(readFileSync(join(tree, 'dir/big'))));
  });

  it('reads device numbers of GNU headers too, which node-tar leaves at 0', async () => {
    const entries = await readOurs(gnuTar('gnu', ['dir/null', 'dir/loop']));
    assert.deepEqual(
      entries.map((e) => e.device),
      ['1:3', '7:200'],
    );
  });

  it('owners beyond the octal field: base-256 (gnu) and pax records', async () => {
    for (const format of ['gnu', 'pax']) {
      const entries = await readOurs(gnuTar(format, ['dir/small'], ['--owner=big:3000000', '--group=big:4000000000']));
      assert.deepEqual([entries[0]?.uid, entries[0]?.gid], [3000000, 4000000000], format);
    }
  });

  it('gives the same entries whatever the chunk boundaries', async () => {
    const archive = gnuTar('pax', ALL_PATHS);
    const whole = await readOurs(archive, archive.length);
    for (const size of [1, 7, 511, 512, 513, 4096 + 100]) assert.deepEqual(await readOurs(archive, size), whole, `chunks of ${size}`);
  });
});

// ---- archives built byte by byte -----------------------------------------------------------

/** One header block; fields not given are empty. `checksum: false` leaves it wrong. */
function header(fields: { name: string; type?: string; size?: number | Buffer; linkname?: string; mode?: number }, checksum = true): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(`${(fields.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  if (Buffer.isBuffer(fields.size)) fields.size.copy(block, 124);
  else block.write(`${(fields.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  block.write('14000000000\0', 136);
  block.write(fields.type ?? '0', 156);
  block.write(fields.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 'latin1');
  if (checksum) {
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  }
  return block;
}

function padded(body: Buffer): Buffer {
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

function paxRecords(records: string[]): Buffer {
  return Buffer.from(records.join(''));
}

function paxRecord(key: string, value: string): string {
  const text = ` ${key}=${value}\n`;
  let length = text.length + 1;
  while (`${length}${text}`.length !== length) length++;
  return `${length}${text}`;
}

const END = Buffer.alloc(1024);

async function refused(archive: Buffer, pattern: RegExp): Promise<void> {
  await assert.rejects(readOurs(archive), (err: unknown) => {
    assert.ok(err instanceof CorruptError, `a CorruptError, not ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('tar reader: damaged and hostile archives', () => {
  const file = (name: string, content: string) => Buffer.concat([header({ name, size: Buffer.byteLength(content) }), padded(Buffer.from(content))]);

  it('a header with a wrong checksum', async () => {
    await refused(Buffer.concat([file('a', 'x'), header({ name: 'b' }, false), END]), /test archive is not a valid tar archive: header checksum failure at byte 1024/);
  });

  it('input that ends inside a header or a body', async () => {
    const archive = Buffer.concat([file('a', 'x'.repeat(600)), END]);
    await refused(archive.subarray(0, 300), /truncated within a header \(300 bytes\)/);
    await refused(archive.subarray(0, 900), /truncated in entry "a", 636 bytes short/);
  });

  it('sizes that are no number, negative or beyond exact integers', async () => {
    await refused(Buffer.concat([header({ name: 'a', size: Buffer.from('12x4') }), END]), /the size field of the header at byte 0 is not a valid number/);
    await refused(Buffer.concat([header({ name: 'a', size: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]) }), END]), /size field .* is not a valid number/);
    await refused(Buffer.concat([header({ name: 'a', size: Buffer.from([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }), END]), /size field .* is not a valid number/);
  });

  it('malformed, oversized and sparse pax headers', async () => {
    const pax = (body: Buffer) => Buffer.concat([header({ name: 'PaxHeaders/a', type: 'x', size: body.length }), padded(body)]);
    await refused(Buffer.concat([pax(Buffer.from('99 path=a\n')), file('a', 'x'), END]), /malformed pax record at byte 0/);
    await refused(Buffer.concat([pax(Buffer.from('9 patha\n\n')), file('a', 'x'), END]), /malformed pax record|has no "="/);
    await refused(Buffer.concat([pax(paxRecords([paxRecord('size', '-5')])), file('a', 'x'), END]), /pax size "-5" is not a valid number/);
    await refused(Buffer.concat([pax(paxRecords([paxRecord('path', 'etc/passwd\0.txt')])), file('a', 'x'), END]), /pax path "etc\/passwd\\0\.txt" contains a NUL byte/);
    await refused(Buffer.concat([pax(Buffer.from('0x8 a=b\n')), file('a', 'x'), END]), /malformed pax record at byte 0/);
    await refused(Buffer.concat([header({ name: 'PaxHeaders/a', type: 'x', size: 2 * 1024 * 1024 }), END]), /a pax header of 2097152 bytes is over 1048576/);
    await refused(Buffer.concat([pax(paxRecords([paxRecord('GNU.sparse.major', '1')])), file('a', 'x'), END]), /entry "a" is a GNU sparse file, which is not supported/);
  });

  it('types a layer cannot hold, and links with no target', async () => {
    await refused(Buffer.concat([header({ name: 'sparse', type: 'S' }), END]), /test archive entry "sparse" has unsupported type S \(GNU sparse file\)/);
    await refused(Buffer.concat([header({ name: 'label', type: 'V' }), END]), /entry "label" has unsupported type V \(volume label\)/);
    await refused(Buffer.concat([header({ name: 'link', type: '2' }), END]), /entry "link" is a link with no target/);
  });

  it('pax records name, size and owners; a global header applies to the entries after it', async () => {
    const paxBody = paxRecords([paxRecord('path', `${'p'.repeat(300)}/name`), paxRecord('size', '5'), paxRecord('uid', '123456789'), paxRecord('comment', 'a=b=c')]);
    const globalBody = paxRecords([paxRecord('gid', '777'), paxRecord('path', 'not-for-every-entry')]);
    const archive = Buffer.concat([
      header({ name: 'pax_global_header', type: 'g', size: globalBody.length }),
      padded(globalBody),
      header({ name: 'PaxHeaders/x', type: 'x', size: paxBody.length }),
      padded(paxBody),
      header({ name: 'short', size: 0 }), // the pax size wins: 5 bytes of body follow
      padded(Buffer.from('hello')),
      file('next', 'y'),
      END,
    ]);
    const entries = await readOurs(archive);
    assert.deepEqual(
      entries.map((e) => [e.path, e.uid, e.gid, e.body]),
      [
        [`${'p'.repeat(300)}/name`, 123456789, 777, sha256(Buffer.from('hello'))],
        ['next', 0, 777, sha256(Buffer.from('y'))],
      ],
    );
  });

  it('a lone zero block is skipped; whatever follows the end of the archive is not read', async () => {
    const archive = Buffer.concat([file('a', 'x'), Buffer.alloc(512), file('b', 'y'), END, Buffer.from('trailing garbage'.repeat(64))]);
    assert.deepEqual(
      (await readOurs(archive)).map((e) => e.path),
      ['a', 'b'],
    );
  });

  it('header-only types have no body whatever their size says (as Go reads them)', async () => {
    const archive = Buffer.concat([header({ name: 'dir/', type: '5', size: 512 }), file('after', 'z'), END]);
    assert.deepEqual(
      (await readOurs(archive)).map((e) => [e.path, e.type]),
      [
        ['dir/', 'directory'],
        ['after', 'file'],
      ],
    );
  });
});

describe('tar reader: handlers', () => {
  const archive = Buffer.concat([
    header({ name: 'first', size: 3 }),
    padded(Buffer.from('abc')),
    header({ name: 'waits', type: '6' }),
    header({ name: 'last', size: 1 }),
    padded(Buffer.from('z')),
    END,
  ]);

  it('waits for a handler that returns a promise before the next entry', async () => {
    const events: string[] = [];
    await readTarEntries(chunks(archive, archive.length), 'test archive', (entry) => {
      events.push(`start ${entry.path}`);
      if (entry.path !== 'waits') return undefined;
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          events.push('waited');
          resolve();
        }, 20),
      );
    });
    assert.deepEqual(events, ['start first', 'start waits', 'waited', 'start last']);
  });

  it("a handler's or a body's failure names the entry; an open body is aborted", async () => {
    await assert.rejects(
      readTarEntries(chunks(archive, 512), 'test archive', (entry) => {
        if (entry.path === 'last') throw new Error('no room');
      }),
      (err: unknown) => err instanceof EntryFailure && err.entryPath === 'last' && /no room/.test(err.message),
    );
    const aborted: string[] = [];
    const cut = Buffer.concat([header({ name: 'cut', size: 1000 }), Buffer.alloc(100)]);
    await assert.rejects(
      readTarEntries(chunks(cut, 512), 'test archive', (entry) => ({
        write: () => undefined,
        end: () => undefined,
        abort: () => void aborted.push(entry.path),
      })),
      /truncated in entry "cut", 924 bytes short/,
    );
    assert.deepEqual(aborted, ['cut']);
    await assert.rejects(
      readTarEntries(chunks(archive, 512), 'test archive', () => ({
        write: () => {
          throw new Error('ENOSPC: no space left on device');
        },
        end: () => undefined,
        abort: () => undefined,
      })),
      (err: unknown) => err instanceof EntryFailure && err.entryPath === 'first' && /ENOSPC/.test(err.message),
    );
  });
});
