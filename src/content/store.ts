/**
 * Content-addressed blob store: manifests, configs and layer blobs, each kept once under
 * its sha256, as containerd's core/content.
 *
 * How a blob becomes visible:
 *   1. bytes stream into `ingest/<random>`, private to one writer, hashed and counted as
 *      they pass (a size over the expected one stops the write at once);
 *   2. at the end the digest and size are compared with what the caller expected: on a
 *      mismatch the ingest file is removed and a CorruptError thrown;
 *   3. the file is fsync'd, then renamed to `blobs/sha256/<hex>` and the directory fsync'd.
 * rename(2) is atomic, so a blob path holds either nothing or the whole verified blob, and
 * two writers of the same blob both end with the same bytes. A process killed during a
 * write leaves only an ingest file: garbage, removed by `cleanupIngests`.
 */
import { randomBytes } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptError, fromSystemError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { Digester, digestHex, sha256Digest, validateDigest, type Digest } from './digest.js';
import { fsyncDirectory } from './fsync.js';

/** What the store knows of a blob: the OCI descriptor's digest and size, no media type. */
export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** What the caller expects of a blob being written; whatever is given is verified. */
export interface ExpectedBlob {
  /** Absent: the blob is stored under whatever it hashes to (a config tpod generated). */
  digest?: Digest | string;
  size?: number;
}

/** A Readable, an async generator, or chunks already in memory. */
export type BlobSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** A stalled writer still touches its ingest file within this time; older ones are dead. */
export const DEFAULT_INGEST_EXPIRY_MS = 60 * 60 * 1000;

export class ContentStore {
  readonly root: string;
  readonly #blobDir: string;
  readonly #ingestDir: string;

  constructor(root: string) {
    this.root = root;
    this.#blobDir = join(root, 'blobs', 'sha256');
    this.#ingestDir = join(root, 'ingest');
  }

  /** Where the blob lives (or would); for readers that need a path, such as `tpod save`. */
  path(digest: Digest | string): string {
    return join(this.#blobDir, digestHex(validateDigest(digest)));
  }

  async has(digest: Digest | string): Promise<boolean> {
    try {
      return (await stat(this.path(digest))).isFile();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async info(digest: Digest | string): Promise<BlobInfo> {
    const valid = validateDigest(digest);
    try {
      const st = await stat(this.path(valid));
      return { digest: valid, size: st.size };
    } catch (err) {
      throw this.#readError(err, valid);
    }
  }

  /**
   * Streams `source` into the store, verifying it against `expected` before it becomes
   * visible. Callers that may already hold the blob should ask `has()` first: the source is
   * always read to the end, and an identical existing blob is atomically replaced.
   */
  async write(expected: ExpectedBlob, source: BlobSource): Promise<BlobInfo> {
    const want = expected.digest === undefined ? undefined : validateDigest(expected.digest);
    const wantSize = validateExpectedSize(expected.size);
    const name = want ?? 'blob';
    const ingestPath = await this.#newIngestPath();
    let file: FileHandle | undefined;
    try {
      // wx: O_CREAT|O_EXCL, so two writers never share an ingest file.
      file = await open(ingestPath, 'wx', 0o644);
      const digester = new Digester();
      for await (const chunk of source) {
        if (wantSize !== undefined && digester.size + chunk.length > wantSize) {
          throw new CorruptError(`size mismatch for ${name}: got more than the expected ${wantSize} bytes`);
        }
        digester.update(chunk);
        await writeAll(file, chunk);
      }
      if (wantSize !== undefined && digester.size !== wantSize) {
        throw new CorruptError(`size mismatch for ${name}: expected ${wantSize} bytes, got ${digester.size}`);
      }
      const actual = digester.digest();
      if (want !== undefined && actual !== want) {
        throw new CorruptError(`digest mismatch for ${want}: got ${actual}`);
      }
      await file.sync();
      await file.close();
      file = undefined;
      await this.#commit(ingestPath, actual);
      return { digest: actual, size: digester.size };
    } catch (err) {
      await file?.close().catch(() => undefined);
      await rm(ingestPath, { force: true });
      throw fromSystemError(err, `writing ${name} to the content store`);
    }
  }

  /** Stores bytes already in memory (a manifest or config tpod made) under their digest. */
  async writeBuffer(bytes: Uint8Array): Promise<BlobInfo> {
    return this.write({ digest: sha256Digest(bytes), size: bytes.length }, [bytes]);
  }

  /**
   * Opens the blob for reading. The open happens before returning, so a missing blob is a
   * NotFoundError here rather than an 'error' event later.
   */
  async readStream(digest: Digest | string): Promise<ReadStream> {
    const valid = validateDigest(digest);
    try {
      const handle = await open(this.path(valid), 'r');
      return handle.createReadStream({ highWaterMark: 64 * 1024 }); // closes the handle at end
    } catch (err) {
      throw this.#readError(err, valid);
    }
  }

  /**
   * Reads a small JSON document (manifest, index, config). Refuses blobs over `maxBytes`
   * before reading them, so a hostile registry cannot make tpod parse a gigabyte, and
   * re-verifies the digest since these documents decide what else gets trusted.
   */
  async readJson(digest: Digest | string, maxBytes: number): Promise<unknown> {
    const { digest: valid, size } = await this.info(digest);
    if (size > maxBytes) {
      throw new InvalidArgumentError(`blob ${valid} is ${size} bytes, over the ${maxBytes}-byte limit for JSON documents`);
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path(valid));
    } catch (err) {
      throw this.#readError(err, valid);
    }
    const actual = sha256Digest(bytes);
    if (actual !== valid) throw new CorruptError(`digest mismatch for ${valid}: got ${actual}`, { hint: 'remove the blob and pull again' });
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch (err) {
      throw new CorruptError(`blob ${valid} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Re-hashes a stored blob; a damaged one (disk error, someone's edit) is a CorruptError. */
  async verify(digest: Digest | string): Promise<BlobInfo> {
    const valid = validateDigest(digest);
    const digester = new Digester();
    for await (const chunk of await this.readStream(valid)) digester.update(chunk as Buffer);
    const actual = digester.digest();
    if (actual !== valid) throw new CorruptError(`digest mismatch for ${valid}: got ${actual}`, { hint: 'remove the blob and pull again' });
    return { digest: valid, size: digester.size };
  }

  async delete(digest: Digest | string): Promise<void> {
    const valid = validateDigest(digest);
    try {
      await unlink(this.path(valid));
    } catch (err) {
      throw this.#readError(err, valid);
    }
  }

  /** Every committed blob; files whose names are not sha256 hex are not blobs and skipped. */
  async list(): Promise<BlobInfo[]> {
    const names = await readdirOrEmpty(this.#blobDir);
    const blobs: BlobInfo[] = [];
    for (const name of names) {
      const digest = `sha256:${name}`;
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      try {
        const st = await stat(join(this.#blobDir, name));
        if (st.isFile()) blobs.push({ digest: validateDigest(digest), size: st.size });
      } catch (err) {
        if (!isNotFound(err)) throw err; // deleted while listing
      }
    }
    return blobs;
  }

  /**
   * Removes ingest files not written to for `olderThanMs`: left by killed writers. A live
   * writer touches its file with every chunk, so only stalled or dead ones qualify.
   * Returns how many were removed.
   */
  async cleanupIngests(olderThanMs: number = DEFAULT_INGEST_EXPIRY_MS): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of await readdirOrEmpty(this.#ingestDir)) {
      const path = join(this.#ingestDir, name);
      try {
        if ((await stat(path)).mtimeMs > cutoff) continue;
        await rm(path, { force: true, recursive: true });
        removed++;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return removed;
  }

  async #newIngestPath(): Promise<string> {
    try {
      await mkdir(this.#ingestDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw fromSystemError(err, `creating ${this.#ingestDir}`);
    }
    // The pid helps a human reading the directory; uniqueness comes from the random part.
    return join(this.#ingestDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /** Makes a verified ingest file visible, durably: the rename survives a power cut. */
  async #commit(ingestPath: string, digest: Digest): Promise<void> {
    await mkdir(this.#blobDir, { recursive: true, mode: 0o755 });
    await rename(ingestPath, this.path(digest));
    await fsyncDirectory(this.#blobDir);
  }

  #readError(err: unknown, digest: Digest): unknown {
    if (isNotFound(err)) return new NotFoundError(`blob ${digest} not found in the content store`, { cause: err });
    return fromSystemError(err, `reading blob ${digest}`);
  }
}

function validateExpectedSize(size: number | undefined): number | undefined {
  if (size === undefined) return undefined;
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidArgumentError(`invalid blob size ${size}: want a non-negative integer`);
  return size;
}

/** FileHandle.write may write less than asked (signals, quotas); loop until all is out. */
async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
