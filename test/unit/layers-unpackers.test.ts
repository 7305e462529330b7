/**
 * The unpacker processes of one pull (layers/unpack-process.ts): real processes unpacking
 * real gzip layers, as root. What a pull relies on: every layer lands whole and verified
 * whichever process took it, no more processes than the limit, a bad layer fails alone,
 * and a killed unpacker fails its layers in one line instead of hanging the pull.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { tarArchive } from '../helpers/hostile-image.js';
import { TpodError } from '../../src/errors.js';
import { UnpackerPool } from '../../src/layers/unpack-process.js';

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

describe('UnpackerPool', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-unpackers-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A gzip layer with one file of `body`, stored in the test directory. */
  function layer(name: string, body: Buffer): { blob: string; digest: string; diffId: string } {
    const tar = tarArchive([{ name: 'data', type: 'dir', uid: 1000, mode: 0o750 }, { name: `data/${name}`, type: 'file', body, uid: 1000, mode: 0o640 }]);
    const gz = gzipSync(tar);
    const blob = join(dir, `${name}.tar.gz`);
    writeFileSync(blob, gz);
    return { blob, digest: sha256(gz), diffId: sha256(tar) };
  }

  it('unpacks more layers than it has processes, each whole, in at most one process per core (at most 4)', async () => {
    const pool = new UnpackerPool();
    const bodies = Array.from({ length: 6 }, (_, i) => Buffer.alloc(2 * 1024 * 1024 + i, i + 1));
    let most = 0;
    try {
      const jobs = bodies.map((body, i) => {
        const { blob, digest, diffId } = layer(`file-${i}`, body);
        return pool.unpack(blob, join(dir, `many-${i}`), { digest, diffId }, body.length);
      });
      most = unpackerPids().length;
      const results = await Promise.all(jobs);
      results.forEach((result, i) => assert.equal(result.uncompressedSize > bodies[i]!.length, true));
    } finally {
      await pool.close();
    }
    assert.ok(most >= 1 && most <= Math.min(availableParallelism(), 4), `${most} unpacker processes`);
    bodies.forEach((body, i) => assert.ok(readFileSync(join(dir, `many-${i}`, 'data', `file-${i}`)).equals(body), `layer ${i} has its bytes`));
    assert.deepEqual(unpackerPids(), [], 'the unpackers exited at close');
  });

  it('fails a layer whose digest is wrong with a typed error, and goes on with the others', async () => {
    const pool = new UnpackerPool();
    try {
      const good = layer('good', Buffer.from('good\n'));
      const bad = layer('bad', Buffer.from('bad\n'));
      const wrong = sha256(Buffer.from('something else'));
      const [badResult, goodResult] = await Promise.allSettled([
        pool.unpack(bad.blob, join(dir, 'bad'), { digest: wrong, diffId: bad.diffId }, 10),
        pool.unpack(good.blob, join(dir, 'good'), { digest: good.digest, diffId: good.diffId }, 10),
      ]);
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

  it('fails the layers of an unpacker killed with SIGKILL in one line, and the pool still closes', async () => {
    const pool = new UnpackerPool();
    const fifo = join(dir, 'slow.fifo');
    execFileSync('mkfifo', [fifo]);
    const body = Buffer.alloc(1024 * 1024, 7);
    const gz = gzipSync(tarArchive([{ name: 'slow', type: 'file', body }]));
    try {
      const job = pool.unpack(fifo, join(dir, 'killed'), { digest: sha256(gz) }, gz.length);
      job.catch(() => undefined);
      // Half the layer, then the unpacker is killed while it waits for the rest.
      const writer = openSync(fifo, 'w');
      writeSync(writer, gz.subarray(0, gz.length >> 1));
      const [pid] = unpackerPids();
      assert.ok(pid, 'an unpacker runs');
      process.kill(pid, 'SIGKILL');
      await assert.rejects(job, (err: Error) => {
        assert.match(err.message, /^unpacking sha256:[0-9a-f]{64}: exit status 137$/);
        return true;
      });
      closeSync(writer);
    } finally {
      await pool.close();
    }
    assert.equal(existsSync(join(dir, 'killed')), false, 'the killed layer is not in place');
  });
});
