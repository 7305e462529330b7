import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ContentStore, Digester, isDigest, sha256Digest, validateDigest } from '../../src/content/index.js';
import { CorruptError, InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../../src/errors.js';

const HELLO = Buffer.from('hello, blob\n');
const HELLO_DIGEST = sha256Digest(HELLO);
const OTHER_DIGEST = sha256Digest('something else');

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tpod-content-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let stores = 0;
function newStore(): ContentStore {
  return new ContentStore(join(scratch, `store-${stores++}`));
}

/** Yields the chunks, waiting on `gate` before the last one, so a test can look mid-write. */
async function* gated(chunks: Buffer[], gate: Promise<void>, reached: () => void): AsyncGenerator<Buffer> {
  for (const [i, chunk] of chunks.entries()) {
    if (i === chunks.length - 1) {
      reached();
      await gate;
    }
    yield chunk;
  }
}

async function ingestFiles(store: ContentStore): Promise<string[]> {
  return readdir(join(store.root, 'ingest')).catch(() => []);
}

describe('digest', () => {
  it('accepts sha256 with 64 lower-case hex digits only', () => {
    assert.equal(validateDigest(HELLO_DIGEST), HELLO_DIGEST);
    assert.ok(isDigest(HELLO_DIGEST));
    for (const bad of ['sha256:abc', `sha256:${'A'.repeat(64)}`, 'sha256', '', `${HELLO_DIGEST}0`, `sha256:${'g'.repeat(64)}`]) {
      assert.throws(() => validateDigest(bad), InvalidArgumentError, bad);
      assert.equal(isDigest(bad), false);
    }
  });

  it('names an algorithm it does not support', () => {
    assert.throws(() => validateDigest(`sha512:${'a'.repeat(128)}`), /unsupported digest algorithm "sha512"/);
  });

  it('hashes like sha256sum, also across chunks', () => {
    assert.equal(sha256Digest(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const digester = new Digester();
    digester.update(HELLO.subarray(0, 3));
    digester.update(HELLO.subarray(3));
    assert.equal(digester.digest(), HELLO_DIGEST);
    assert.equal(digester.size, HELLO.length);
  });
});

describe('ContentStore', () => {
  it('writes a verified blob and reads it back', async () => {
    const store = newStore();
    assert.equal(await store.has(HELLO_DIGEST), false);
    const info = await store.write({ digest: HELLO_DIGEST, size: HELLO.length }, Readable.from([HELLO.subarray(0, 5), HELLO.subarray(5)]));
    assert.deepEqual(info, { digest: HELLO_DIGEST, size: HELLO.length });
    assert.equal(await store.has(HELLO_DIGEST), true);
    assert.deepEqual(await store.info(HELLO_DIGEST), info);
    assert.equal(store.path(HELLO_DIGEST), join(store.root, 'blobs', 'sha256', HELLO_DIGEST.slice(7)));
    const chunks: Buffer[] = [];
    for await (const chunk of await store.readStream(HELLO_DIGEST)) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), HELLO);
    assert.deepEqual(await store.verify(HELLO_DIGEST), info);
    assert.deepEqual(await ingestFiles(store), []);
  });

  it('stores a blob without an expected digest under what it hashes to', async () => {
    const store = newStore();
    const info = await store.write({}, [HELLO]);
    assert.equal(info.digest, HELLO_DIGEST);
    assert.deepEqual(await store.writeBuffer(Buffer.from('{}')), { digest: sha256Digest('{}'), size: 2 });
  });

  it('writing the same blob twice keeps one copy', async () => {
    const store = newStore();
    await store.write({ digest: HELLO_DIGEST }, [HELLO]);
    await store.write({ digest: HELLO_DIGEST }, [HELLO]);
    assert.deepEqual(await store.list(), [{ digest: HELLO_DIGEST, size: HELLO.length }]);
  });

  it('a digest mismatch throws CorruptError and leaves nothing behind', async () => {
    const store = newStore();
    await assert.rejects(
      store.write({ digest: OTHER_DIGEST }, [HELLO]),
      (err: unknown) => err instanceof CorruptError && err.message === `digest mismatch for ${OTHER_DIGEST}: got ${HELLO_DIGEST}`,
    );
    assert.equal(await store.has(OTHER_DIGEST), false);
    assert.equal(await store.has(HELLO_DIGEST), false);
    assert.deepEqual(await ingestFiles(store), []);
    assert.deepEqual(await store.list(), []);
  });

  it('a size mismatch throws CorruptError, too long as soon as it is too long', async () => {
    const store = newStore();
    await assert.rejects(store.write({ digest: HELLO_DIGEST, size: HELLO.length + 1 }, [HELLO]), /size mismatch .*expected 13 bytes, got 12/);
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        pulled++;
        yield Buffer.alloc(1024);
      }
    }
    await assert.rejects(store.write({ size: 4096 }, endless()), (err: unknown) => err instanceof CorruptError && /more than the expected 4096 bytes/.test(err.message));
    assert.equal(pulled, 5, 'stops reading at the first byte too many');
    assert.deepEqual(await ingestFiles(store), []);
  });

  it('a failing source removes its ingest file and passes the error on', async () => {
    const store = newStore();
    async function* broken(): AsyncGenerator<Buffer> {
      yield HELLO;
      throw new Error('connection reset');
    }
    await assert.rejects(store.write({ digest: HELLO_DIGEST }, broken()), /connection reset/);
    assert.deepEqual(await ingestFiles(store), []);
  });

  it('a blob is invisible until it is complete and verified', async () => {
    const store = newStore();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let reachedLast!: () => void;
    const reached = new Promise<void>((resolve) => (reachedLast = resolve));
    const writing = store.write({ digest: HELLO_DIGEST }, gated([HELLO.subarray(0, 4), HELLO.subarray(4)], gate, reachedLast));
    await reached;
    assert.equal(await store.has(HELLO_DIGEST), false);
    await assert.rejects(store.readStream(HELLO_DIGEST), NotFoundError);
    assert.deepEqual(await store.list(), []);
    const ingests = await ingestFiles(store);
    assert.equal(ingests.length, 1, 'the partial blob lives in ingest/');
    assert.deepEqual(await readFile(join(store.root, 'ingest', ingests[0]!)), HELLO.subarray(0, 4));
    open();
    await writing;
    assert.equal(await store.has(HELLO_DIGEST), true);
    assert.deepEqual(await ingestFiles(store), []);
  });

  it('readJson parses a small document, refuses one over the limit naming it', async () => {
    const store = newStore();
    const doc = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: [] }));
    const { digest } = await store.writeBuffer(doc);
    assert.deepEqual(await store.readJson(digest, 1024), { schemaVersion: 2, layers: [] });
    await assert.rejects(store.readJson(digest, 10), (err: unknown) => err instanceof InvalidArgumentError && err.message === `blob ${digest} is ${doc.length} bytes, over the 10-byte limit for JSON documents`);
    const notJson = await store.writeBuffer(Buffer.from('not json'));
    await assert.rejects(store.readJson(notJson.digest, 1024), (err: unknown) => err instanceof CorruptError && /is not valid JSON/.test(err.message));
  });

  it('notices a blob damaged on disk', async () => {
    const store = newStore();
    await store.write({ digest: HELLO_DIGEST }, [HELLO]);
    await writeFile(store.path(HELLO_DIGEST), 'tampered');
    await assert.rejects(store.verify(HELLO_DIGEST), (err: unknown) => err instanceof CorruptError && err.message.startsWith(`digest mismatch for ${HELLO_DIGEST}`));
    await assert.rejects(store.readJson(HELLO_DIGEST, 1024), CorruptError);
  });

  it('missing blobs are NotFoundError; bad digests InvalidArgumentError', async () => {
    const store = newStore();
    await assert.rejects(store.info(HELLO_DIGEST), (err: unknown) => err instanceof NotFoundError && err.message === `blob ${HELLO_DIGEST} not found in the content store`);
    await assert.rejects(store.readStream(HELLO_DIGEST), NotFoundError);
    await assert.rejects(store.delete(HELLO_DIGEST), NotFoundError);
    await assert.rejects(store.has('sha256:nope'), InvalidArgumentError);
    assert.throws(() => store.path('../../etc/passwd'), InvalidArgumentError);
  });

  it('deletes and lists blobs, skipping files that are not blobs', async () => {
    const store = newStore();
    await store.write({}, [HELLO]);
    const other = await store.writeBuffer(Buffer.from('other'));
    await writeFile(join(store.root, 'blobs', 'sha256', 'README'), 'not a blob');
    const listed = (await store.list()).map((b) => b.digest).sort();
    assert.deepEqual(listed, [HELLO_DIGEST, other.digest].sort());
    await store.delete(HELLO_DIGEST);
    assert.deepEqual((await store.list()).map((b) => b.digest), [other.digest]);
  });

  it('a full disk is ResourceExhaustedError and leaves nothing', async (t) => {
    const root = join(scratch, `enospc-${stores++}`);
    await mkdir(root);
    if (process.geteuid?.() !== 0 || spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', root]).status !== 0) {
      return t.skip('needs root to mount a small tmpfs');
    }
    try {
      const store = new ContentStore(root);
      const big = Buffer.alloc(1 << 20, 1);
      await assert.rejects(store.write({ digest: sha256Digest(big) }, [big]), (err: unknown) => err instanceof ResourceExhaustedError && /no space left on device while writing sha256:/.test(err.message));
      assert.deepEqual(await ingestFiles(store), []);
      assert.deepEqual(await store.list(), []);
    } finally {
      execFileSync('umount', [root]);
    }
  });

  it('cleanupIngests removes what killed writers left, not live writes', async () => {
    const store = newStore();
    await store.writeBuffer(HELLO); // creates ingest/
    const dead = join(store.root, 'ingest', '4242-deadbeef');
    await writeFile(dead, 'half a blob');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(dead, hourAgo, hourAgo);
    const fresh = join(store.root, 'ingest', '4243-cafe');
    await writeFile(fresh, 'a write under way');
    assert.equal(await store.cleanupIngests(10 * 60_000), 1);
    assert.deepEqual(await ingestFiles(store), ['4243-cafe']);
    assert.equal(await store.has(HELLO_DIGEST), true, 'blobs are untouched');
    assert.equal(await newStore().cleanupIngests(0), 0, 'a store without ingest/ is fine');
  });
});
