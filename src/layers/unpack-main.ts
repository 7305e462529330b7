/**
 * `node unpack-main.js`: an unpacker process serving one pull (unpack-process.ts). Jobs
 * come as JSON lines on stdin ({id, fd, target, options: {expected, userNamespace,
 * ignoreUnmappedOwners}}), the layer's bytes on pipe `fd`, and run as they arrive, several
 * at once; each is answered with
 * one JSON line on stdout, {id, result} or {id, error: {kind, message, hint}}, so the
 * caller rethrows the same typed error. The process exits once stdin has ended and every
 * job has been answered: a caller that dies (kill -9) only closes stdin, and the jobs
 * under way still finish or fail cleanly, never leaving a layer half renamed.
 */
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { isTpodError } from '../errors.js';
import { unpackLayer, type ExpectedLayer } from './unpack.js';

interface UnpackJob {
  id: number;
  fd: number;
  target: string;
  options: { expected: ExpectedLayer; userNamespace: boolean; ignoreUnmappedOwners: boolean };
}

// A caller killed meanwhile cannot read answers any more: an EPIPE on stdout must not end
// this process while other layers are still cleaning up their staging directories.
process.stdout.on('error', () => undefined);

const running: Promise<void>[] = [];
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim()) running.push(runJob(JSON.parse(line) as UnpackJob));
}
await Promise.all(running);

async function runJob({ id, fd, target, options }: UnpackJob): Promise<void> {
  // A stream socket, not fs reads: a read waiting for the next bytes must not hold one of
  // the four threads that inflate runs on.
  const input = new Socket({ fd, readable: true, writable: false });
  try {
    const { expected, userNamespace, ignoreUnmappedOwners } = options;
    const result = await unpackLayer(input, target, { expected, preserveOwner: true, userNamespace, ignoreUnmappedOwners });
    reply({ id, result });
  } catch (err) {
    const error = isTpodError(err) ? { kind: err.kind, message: err.message, hint: err.hint } : { kind: 'internal', message: (err as Error).message };
    reply({ id, error });
  } finally {
    // A layer refused halfway is read no further: the writer learns it from the closed pipe.
    input.destroy();
  }
}

function reply(answer: object): void {
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
