/**
 * Unpacking layers in processes of their own (unpack-main.ts), with the same staging,
 * verification and rename as unpackLayer in this process. Two reasons:
 *  - rootless: files must carry the image's owners shifted into the user's subordinate ids
 *    (container uid 1000 → host 100999), which only root of the user's namespace can chown
 *    to, so the processes run there;
 *  - big layers as root: inflating, hashing and creating thousands of files is one core's
 *    work per layer, and in this process every layer shares one thread for the file calls.
 *
 * One pull starts at most one unpacker per core and hands each new layer to the one with
 * the fewest bytes still to unpack; an unpacker runs its layers concurrently. Not one
 * process per layer: each new process pays Node's start-up and compiles the same hot
 * code again (V8's optimizing compiler was 12% of a cold pull's CPU), so unpacking the
 * bench's five big layers took 6.2 s of CPU in five processes against 4.8 s in two,
 * and 3.55 s against 3.05 s of wall time (`/usr/bin/time`, layers from an OCI layout).
 * Small layers stay in this process: a process costs ~0.1 s to start.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
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

/** The unpackers of one pull. `close` must follow, whatever happened. */
export class UnpackerPool {
  readonly #unpackers: Unpacker[] = [];
  readonly #limit: number;

  /** `mapping`: unpack as root of the user's namespace (rootless); none: as this user. */
  constructor(private readonly mapping?: UserIdMapping) {
    this.#limit = Math.max(1, Math.min(availableParallelism(), MAX_UNPACKERS));
  }

  unpack(blobPath: string, target: string, expected: ExpectedLayer, size: number): Promise<UnpackResult> {
    // A single-id mapping (no subordinate ids) cannot give files other owners: they stay root's.
    const userNamespace = this.mapping !== undefined;
    const options = { expected, userNamespace, ignoreUnmappedOwners: userNamespace && !this.mapping!.subordinate };
    return this.#leastBusy().unpack({ blob: blobPath, target, options }, size, `unpacking ${expected.digest ?? blobPath}`);
  }

  /**
   * Starts unpackers for `layers` big layers ahead of their blobs (at most one per core):
   * Node's start-up (~0.1 s) then overlaps the downloads instead of following them.
   */
  prestart(layers: number): void {
    while (this.#unpackers.length < Math.min(layers, this.#limit)) this.#unpackers.push(new Unpacker(this.mapping));
  }

  /** Lets every unpacker finish what it was given and exit; resolves when they have. */
  async close(): Promise<void> {
    await Promise.all(this.#unpackers.map((unpacker) => unpacker.close()));
  }

  #leastBusy(): Unpacker {
    const idle = this.#unpackers.find((unpacker) => unpacker.pendingBytes === 0 && unpacker.alive);
    if (idle) return idle;
    if (this.#unpackers.length < this.#limit) {
      const started = new Unpacker(this.mapping);
      this.#unpackers.push(started);
      return started;
    }
    const alive = this.#unpackers.filter((unpacker) => unpacker.alive);
    if (alive.length === 0) {
      // Every unpacker died (each failed its own jobs with the reason): start afresh.
      const started = new Unpacker(this.mapping);
      this.#unpackers.push(started);
      return started;
    }
    return alive.reduce((best, unpacker) => (unpacker.pendingBytes < best.pendingBytes ? unpacker : best));
  }
}

interface Job {
  blob: string;
  target: string;
  options: { expected: ExpectedLayer; userNamespace: boolean; ignoreUnmappedOwners: boolean };
}

interface PendingJob {
  size: number;
  what: string;
  resolve(result: UnpackResult): void;
  reject(err: unknown): void;
}

type Answer = { id: number; result: UnpackResult; error?: undefined } | { id: number; error: { kind: ErrorKind; message: string; hint?: string } };

/** Keeps the end of the unpacker's stderr for the error when it dies. */
const STDERR_KEPT = 4096;

/** One unpacker process and the jobs it has not answered yet. */
class Unpacker {
  readonly #child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly #pending = new Map<number, PendingJob>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  #stdout = '';
  #stderr = '';
  #alive = true;
  #closing = false;
  pendingBytes = 0;

  constructor(mapping: UserIdMapping | undefined) {
    const [command, ...args] = [...(mapping ? userNamespaceArgs(mapping) : []), process.execPath, UNPACK_MAIN];
    this.#child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stdout.setEncoding('utf8').on('data', (text: string) => this.#read(text));
    this.#child.stderr.setEncoding('utf8').on('data', (text: string) => (this.#stderr = (this.#stderr + text).slice(-STDERR_KEPT)));
    // A dead unpacker's stdin fails writes with EPIPE; its jobs fail through 'close' below.
    this.#child.stdin.on('error', () => undefined);
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (cause) => {
        this.#alive = false;
        this.#failAll(mapping ? unshareSpawnError(cause, 'starting a layer unpacker') : cause);
        resolve();
      });
      this.#child.once('close', (code, signal) => {
        this.#alive = false;
        this.#failAll(undefined, exitStatus(code, signal));
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.#alive;
  }

  unpack(job: Job, size: number, what: string): Promise<UnpackResult> {
    if (this.#closing) return Promise.reject(new Error(`${what}: the pull's unpackers were already closed`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { size, what, resolve, reject });
      this.pendingBytes += size;
      this.#child.stdin.write(`${JSON.stringify({ id, ...job })}\n`);
    });
  }

  close(): Promise<void> {
    this.#closing = true;
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
    this.pendingBytes -= job.size;
    if (answer.error) job.reject(new TpodError(answer.error.kind, answer.error.message, { hint: answer.error.hint }));
    else job.resolve(answer.result);
  }

  /** The unpacker ended (or never started) with jobs unanswered: each fails with why. */
  #failAll(cause: Error | undefined, code = 1): void {
    for (const job of this.#pending.values()) {
      job.reject(cause ?? idMappingFailure(this.#stderr, job.what) ?? commandFailure(job.what, { code, stdout: '', stderr: this.#stderr }));
    }
    this.#pending.clear();
    this.pendingBytes = 0;
  }
}
