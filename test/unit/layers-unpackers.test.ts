/**
 * The unpacker processes of one pull (layers/unpack-process.ts): real processes unpacking
 * real gzip layers fed through their pipes, as root. What a pull relies on: every layer
 * lands whole and verified whichever process took it, no more processes than the limit,
 * a bad layer fails alone, and neither a refused layer nor a killed unpacker leaves the
 * writer blocked or the pull hanging.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { tarArchive } from '../helpers/hostile-image.js';
import { TpodError } from '../../src/errors.js';
import { UnpackerPool, writeLayerBytes } from '../../src/layers/unpack-process.js';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Processes whose parent is this one and that run the unpacker program. */
function unpackerPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('unpack-main.js');
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Writes `bytes` into a layer's pipe in 64 KiB pieces, then ends it; false if the unpacker stopped reading. */
async function feed(input: Writable, bytes: Buffer): Promise<boolean> {
  let reading = true;
  for (let offset = 0; offset < bytes.length && reading; offset += 64 * 1024) reading = await writeLayerBytes(input, bytes.subarray(offset, offset + 64 * 1024));
  input.end();
  return reading;
}

describe('UnpackerPool', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-unpackers-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A gzip layer with one file of `body`. */
  function layer(name: string, body: Buffer): { gz: Buffer; digest: string; diffId: string } {
    const tar = tarArchive([{ name: 'data', type: 'dir', uid: 1000, mode: 0o750 }, { name: `data/${name}`, type: 'file', body, uid: 1000, mode: 0o640 }]);
    const gz = gzipSync(tar);
    return { gz, digest: sha256(gz), diffId: sha256(tar) };
  }

  it('unpacks more layers than it has processes, each whole, in at most one process per core (at most 4)', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => Buffer.alloc(2 * 1024 * 1024 + i, i + 1));
    const layers = bodies.map((body, i) => layer(`file-${i}`, body));
    const pool = new UnpackerPool(layers.map((l, key) => ({ key, size: l.gz.length })));
    const started = unpackerPids().length;
    try {
      const results = await Promise.all(
        layers.map(async (l, key) => {
          const { input, result } = pool.unpack(key, join(dir, `many-${key}`), { digest: l.digest, diffId: l.diffId });
          assert.equal(await feed(input, l.gz), true);
          return result;
        }),
      );
      results.forEach((result, i) => assert.equal(result.diffId, layers[i]!.diffId));
    } finally {
      await pool.close();
    }
    assert.ok(started >= 1 && started <= Math.min(availableParallelism(), 4), `${started} unpacker processes`);
    bodies.forEach((body, i) => assert.ok(readFileSync(join(dir, `many-${i}`, 'data', `file-${i}`)).equals(body), `layer ${i} has its bytes`));
    assert.deepEqual(unpackerPids(), [], 'the unpackers exited at close');
  });

  it('fails a layer whose digest is wrong with a typed error, and goes on with the others', async () => {
    const good = layer('good', Buffer.from('good\n'));
    const bad = layer('bad', Buffer.from('bad\n'));
    const pool = new UnpackerPool([{ key: 0, size: 10 }, { key: 1, size: 10 }]);
    try {
      const wrong = sha256(Buffer.from('something else'));
      const badJob = pool.unpack(0, join(dir, 'bad'), { digest: wrong, diffId: bad.diffId });
      const goodJob = pool.unpack(1, join(dir, 'good'), { digest: good.digest, diffId: good.diffId });
      await Promise.all([feed(badJob.input, bad.gz), feed(goodJob.input, good.gz)]);
      const [badResult, goodResult] = await Promise.allSettled([badJob.result, goodJob.result]);
      assert.equal(badResult.status, 'rejected');
      const err = (badResult as PromiseRejectedResult).reason as TpodError;
      assert.ok(err instanceof TpodError);
      assert.equal(err.kind, 'corrupt');
      assert.match(err.message, new RegExp(`digest mismatch for ${wrong}`));
      assert.equal(goodResult.status, 'fulfilled');
      assert.equal(readFileSync(join(dir, 'good', 'data', 'good'), 'utf8'), 'good\n');
      assert.equal(existsSync(join(dir, 'bad')), false, 'nothing of the bad layer is in place');
    } finally {
      await pool.close();
    }
  });

  it('stops reading a refused layer, so its writer is told instead of blocked, and names the entry', async () => {
    // The refused entry first, then far more than a pipe holds: a writer waiting for the
    // unpacker to catch up would wait forever.
    const tar = tarArchive([
      { name: '../../escaped', type: 'file', body: 'x' },
      { name: 'padding', type: 'file', body: randomBytes(8 * 1024 * 1024) },
    ]);
    const gz = gzipSync(tar);
    const pool = new UnpackerPool([{ key: 7, size: gz.length }]);
    try {
      const { input, result } = pool.unpack(7, join(dir, 'refused'), { digest: sha256(gz) });
      result.catch(() => undefined);
      assert.equal(await feed(input, gz), false, 'the writer learns that the unpacker stopped reading');
      await assert.rejects(result, /entry "\.\.\/\.\.\/escaped" escapes the layer root/);
    } finally {
      await pool.close();
    }
    assert.equal(existsSync(join(dir, 'refused')), false);
  });

  it('fails the layers of an unpacker killed with SIGKILL in one line, and the pool still closes', async () => {
    const body = Buffer.alloc(1024 * 1024, 7);
    const gz = gzipSync(tarArchive([{ name: 'slow', type: 'file', body }]));
    const pool = new UnpackerPool([{ key: 0, size: gz.length }]);
    try {
      const { input, result } = pool.unpack(0, join(dir, 'killed'), { digest: sha256(gz) });
      result.catch(() => undefined);
      // Half the layer, then the unpacker is killed while it waits for the rest.
      assert.equal(await writeLayerBytes(input, gz.subarray(0, gz.length >> 1)), true);
      const [pid] = unpackerPids();
      assert.ok(pid, 'an unpacker runs');
      process.kill(pid, 'SIGKILL');
      await assert.rejects(result, (err: Error) => {
        assert.match(err.message, /^unpacking sha256:[0-9a-f]{64}: exit status 137$/);
        return true;
      });
      assert.equal(await feed(input, gz.subarray(gz.length >> 1)), false, 'the rest finds nobody reading');
    } finally {
      await pool.close();
    }
    assert.equal(existsSync(join(dir, 'killed')), false, 'the killed layer is not in place');
  });
});
