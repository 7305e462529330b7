/**
 * Unpacking layers in processes of their own (unpack-main.ts), with the same staging,
 * verification and rename as unpackLayer in this process. Two reasons:
 *  - rootless: files must carry the image's owners shifted into the user's subordinate ids
 *    (container uid 1000 → host 100999), which only root of the user's namespace can chown
 *    to, so the processes run there;
 *  - big layers as root: inflating, hashing and creating thousands of files is one core's
 *    work per layer, and in this process every layer shares one thread for the file calls.
 *
 * One pull starts at most one unpacker per core, all at once, and assigns each layer to
 * one of them; an unpacker runs its layers concurrently, each read from a pipe of its
 * own while the blob downloads (socketpairs given at spawn: no file, no FIFO that could
 * block an open, and a closed end is seen at once by the other side). Not one
 * process per layer: each new process pays Node's start-up and compiles the same hot
 * code again (V8's optimizing compiler was 12% of a cold pull's CPU), so unpacking the
 * bench's five big layers took 6.2 s of CPU in five processes against 4.8 s in two,
 * and 3.55 s against 3.05 s of wall time (`/usr/bin/time`, layers from an OCI layout).
 * Small layers stay in this process: a process costs ~0.1 s to start.
 */
import { spawn, type ChildProcess, type StdioPipe } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { TpodError, type ErrorKind } from '../errors.js';
import type { UserIdMapping } from '../rootless/id-ranges.js';
import { commandFailure, exitStatus, idMappingFailure, unshareSpawnError, userNamespaceArgs } from '../rootless/user-namespace.js';
import type { ExpectedLayer, UnpackResult } from './unpack.js';

// From the package root, three levels up both from here (dist/src/layers/) and from the
// start-up bundle (dist/bundle/tpod/), which shares this module's import.meta.url.
const UNPACK_MAIN = fileURLToPath(new URL('../../../dist/src/layers/unpack-main.js', import.meta.url));

/** Compressed size from which a root pull unpacks a layer in an unpacker process. */
export const OWN_PROCESS_MIN_BYTES = 8 * 1024 * 1024;

/** More unpackers than cores only compete for them; four already cover a pull's layers. */
const MAX_UNPACKERS = 4;

/** A layer for the unpackers: a key of the caller's and its compressed size. */
export interface PlannedLayer {
  key: number;
  size: number;
}

/**
 * The unpackers of one pull, started at once for the layers it will unpack, so Node's
 * start-up overlaps the downloads. Each layer is assigned to an unpacker up front (the
 * biggest first, each to the one with the fewest bytes so far) and gets a pipe of its own
 * into it: the bytes reach the unpacker while they download, as they are stored, instead
 * of after the blob is complete. `close` must follow, whatever happened.
 */
export class UnpackerPool {
  readonly #unpackers: Unpacker[] = [];
  readonly #slots = new Map<number, { unpacker: Unpacker; fd: number }>();

  /** `mapping`: unpack as root of the user's namespace (rootless); none: as this user. */
  constructor(
    layers: PlannedLayer[],
    private readonly mapping?: UserIdMapping,
  ) {
    const count = Math.min(layers.length, Math.max(1, Math.min(availableParallelism(), MAX_UNPACKERS)));
    const assigned: PlannedLayer[][] = Array.from({ length: count }, () => []);
    const load = new Array<number>(count).fill(0);
    for (const layer of [...layers].sort((a, b) => b.size - a.size)) {
      const lightest = load.indexOf(Math.min(...load));
      assigned[lightest]!.push(layer);
      load[lightest]! += layer.size;
    }
    for (const own of assigned) {
      const unpacker = new Unpacker(mapping, own.length);
      this.#unpackers.push(unpacker);
      own.forEach((layer, i) => this.#slots.set(layer.key, { unpacker, fd: FIRST_LAYER_FD + i }));
    }
  }

  /**
   * Starts unpacking layer `key` into `target`; the caller writes the layer's bytes to
   * `input` (with writeLayerBytes) and ends it. Resolves once the layer is in place.
   */
  unpack(key: number, target: string, expected: ExpectedLayer): { input: Writable; result: Promise<UnpackResult> } {
    const slot = this.#slots.get(key);
    if (!slot) throw new Error(`layer ${key} was not planned for the unpackers`);
    // A single-id mapping (no subordinate ids) cannot give files other owners: they stay root's.
    const userNamespace = this.mapping !== undefined;
    const options = { expected, userNamespace, ignoreUnmappedOwners: userNamespace && !this.mapping!.subordinate };
    return slot.unpacker.unpack({ fd: slot.fd, target, options }, `unpacking ${expected.digest ?? target}`);
  }

  /** Lets every unpacker finish what it was given and exit; resolves when they have. */
  async close(): Promise<void> {
    await Promise.all(this.#unpackers.map((unpacker) => unpacker.close()));
  }
}

/**
 * Writes `chunk` to a layer's pipe, waiting while the unpacker is behind. Resolves to
 * false once the unpacker has closed its end (it refused the layer, or died): its answer
 * says why, and nothing more needs to reach it.
 */
export function writeLayerBytes(input: Writable, chunk: Uint8Array): Promise<boolean> {
  if (input.destroyed || input.writableEnded) return Promise.resolve(false);
  if (input.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (): void => {
      input.off('drain', done).off('close', done).off('error', done);
      resolve(!input.destroyed);
    };
    input.on('drain', done).on('close', done).on('error', done);
  });
}

/** Where the layer pipes start in an unpacker: after stdin, stdout and stderr. */
const FIRST_LAYER_FD = 3;

interface Job {
  fd: number;
  target: string;
  options: { expected: ExpectedLayer; userNamespace: boolean; ignoreUnmappedOwners: boolean };
}

interface PendingJob {
  what: string;
  resolve(result: UnpackResult): void;
  reject(err: unknown): void;
}

type Answer = { id: number; result: UnpackResult; error?: undefined } | { id: number; error: { kind: ErrorKind; message: string; hint?: string } };

/** Keeps the end of the unpacker's stderr for the error when it dies. */
const STDERR_KEPT = 4096;

/** One unpacker process, its layer pipes, and the jobs it has not answered yet. */
class Unpacker {
  readonly #child: ChildProcess & { stdin: Writable; stdout: Readable; stderr: Readable };
  readonly #pending = new Map<number, PendingJob>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  #stdout = '';
  #stderr = '';
  #closing = false;

  constructor(mapping: UserIdMapping | undefined, layerPipes: number) {
    const [command, ...args] = [...(mapping ? userNamespaceArgs(mapping) : []), process.execPath, UNPACK_MAIN];
    const stdio: StdioPipe[] = new Array<StdioPipe>(FIRST_LAYER_FD + layerPipes).fill('pipe');
    this.#child = spawn(command!, args, { stdio }) as ChildProcess & { stdin: Writable; stdout: Readable; stderr: Readable };
    this.#child.stdout.setEncoding('utf8').on('data', (text: string) => this.#read(text));
    this.#child.stderr.setEncoding('utf8').on('data', (text: string) => (this.#stderr = (this.#stderr + text).slice(-STDERR_KEPT)));
    // A dead unpacker's pipes fail writes with EPIPE; its jobs fail through 'close' below.
    for (const pipe of this.#child.stdio) if (pipe && 'write' in pipe) pipe.on('error', () => undefined);
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (cause) => {
        this.#failAll(mapping ? unshareSpawnError(cause, 'starting a layer unpacker') : cause);
        resolve();
      });
      this.#child.once('close', (code, signal) => {
        this.#failAll(undefined, exitStatus(code, signal));
        resolve();
      });
    });
  }

  unpack(job: Job, what: string): { input: Writable; result: Promise<UnpackResult> } {
    const input = this.#child.stdio[job.fd] as Writable;
    if (this.#closing) return { input, result: Promise.reject(new Error(`${what}: the pull's unpackers were already closed`)) };
    const id = this.#nextId++;
    const result = new Promise<UnpackResult>((resolve, reject) => {
      this.#pending.set(id, { what, resolve, reject });
      this.#child.stdin.write(`${JSON.stringify({ id, ...job })}\n`);
    });
    return { input, result };
  }

  close(): Promise<void> {
    this.#closing = true;
    // Layer pipes nobody wrote to (their layer failed before) end too, or the unpacker
    // would wait for them; it exits once stdin has ended and every job has answered.
    for (const pipe of this.#child.stdio.slice(FIRST_LAYER_FD)) (pipe as Writable | null)?.end();
    this.#child.stdin.end();
    return this.#exited;
  }

  #read(text: string): void {
    this.#stdout += text;
    let newline: number;
    while ((newline = this.#stdout.indexOf('\n')) >= 0) {
      const line = this.#stdout.slice(0, newline);
      this.#stdout = this.#stdout.slice(newline + 1);
      if (line.trim()) this.#answer(JSON.parse(line) as Answer);
    }
  }

  #answer(answer: Answer): void {
    const job = this.#pending.get(answer.id);
    if (!job) return;
    this.#pending.delete(answer.id);
    if (answer.error) job.reject(new TpodError(answer.error.kind, answer.error.message, { hint: answer.error.hint }));
    else job.resolve(answer.result);
  }

  /** The unpacker ended (or never started) with jobs unanswered: each fails with why. */
  #failAll(cause: Error | undefined, code = 1): void {
    for (const job of this.#pending.values()) {
      job.reject(cause ?? idMappingFailure(this.#stderr, job.what) ?? commandFailure(job.what, { code, stdout: '', stderr: this.#stderr }));
    }
    this.#pending.clear();
  }
}
