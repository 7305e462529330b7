/**
 * From layer blob to tar stream, with both digests the image spec needs computed on the
 * way: the blob's digest (what the manifest's layer descriptor names) over the bytes as
 * given, and the diffID (config.json `rootfs.diff_ids`, image-spec config.md "Layer DiffID")
 * over the uncompressed tar.
 *
 * Compression is recognised by magic bytes rather than trusted from the media type, as
 * docker and containerd do: registries mislabel layers. gzip (RFC 1952, 1f 8b) is
 * decompressed; zstd (RFC 8878, 28 b5 2f fd) is refused by name, since Node 20's zlib has
 * no zstd; anything else is taken as a plain tar and the tar parser judges it.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import type { Digester } from '../content/digest.js';
import { CorruptError, InvalidArgumentError } from '../errors.js';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const MAGIC_BYTES = 4;
/** zlib's output chunk: 64 KiB keeps per-chunk overhead low without holding much memory. */
const INFLATE_CHUNK = 64 * 1024;

export function detectCompression(head: Uint8Array): LayerCompression {
  const startsWith = (magic: number[]) => magic.every((byte, i) => head[i] === byte);
  if (startsWith(GZIP_MAGIC)) return 'gzip';
  if (startsWith(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/** What decompressLayer learns while streaming; filled in as it goes. */
export interface LayerTaps {
  /** Sees the blob as given: its digest is the layer descriptor's. */
  blob: Digester;
  /** Sees the uncompressed tar: its digest is the diffID. */
  diff: Digester;
  /** Set once the first bytes are read. */
  compression?: LayerCompression;
}

/**
 * Yields the uncompressed tar of `blob`, feeding both digesters of `taps`. Every byte of
 * the blob is read, including any after the gzip stream, so the blob digest is always the
 * whole blob's. `what` names the layer in errors.
 */
export async function* decompressLayer(
  blob: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  taps: LayerTaps,
  what: string,
): AsyncGenerator<Buffer> {
  const input = asyncIterator(blob);
  const head = await readHead(input, taps.blob);
  const compression = detectCompression(head);
  taps.compression = compression;
  if (compression === 'zstd') {
    await input.return?.(); // close the source (a file, a download) now, not at GC
    throw new InvalidArgumentError(`${what}: zstd-compressed layers are not supported`, {
      hint: 'use an image whose layers are gzip-compressed or uncompressed',
    });
  }
  const rest = remaining(head, input, taps.blob);
  const tar = compression === 'gzip' ? gunzip(rest, what) : rest;
  for await (const chunk of tar) {
    taps.diff.update(chunk);
    yield chunk;
  }
}

/** Reads until the magic bytes are known (or the blob ends), hashing as it goes. */
async function readHead(input: AsyncIterator<Uint8Array>, digester: Digester): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < MAGIC_BYTES) {
    const next = await input.next();
    if (next.done) break;
    const chunk = asBuffer(next.value);
    digester.update(chunk);
    chunks.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(chunks, length);
}

async function* remaining(head: Buffer, input: AsyncIterator<Uint8Array>, digester: Digester): AsyncGenerator<Buffer> {
  try {
    if (head.length > 0) yield head;
    for (let next = await input.next(); !next.done; next = await input.next()) {
      const chunk = asBuffer(next.value);
      digester.update(chunk);
      yield chunk;
    }
  } finally {
    await input.return?.(); // stop the source if we stopped early
  }
}

/**
 * gunzip with backpressure both ways. zlib ends its output at the end of the gzip stream
 * even when input follows; trailing zero bytes are padding and ignored, as gzip(1) does,
 * anything else is an error. The input is still read to its end so the blob digest covers
 * every byte. Concatenated gzip members (RFC 1952 2.2, as pigz writes) are one stream.
 */
async function* gunzip(compressed: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  const inflate = createGunzip({ chunkSize: INFLATE_CHUNK });
  const state: FeedState = { inflateError: undefined, sourceError: undefined };
  // A permanent listener: zlib may fail on trailing input after its output has ended.
  inflate.on('error', (err) => (state.inflateError ??= err));
  const feeding = feed(inflate, compressed, state, what).catch((err: unknown) => {
    state.sourceError = err;
    inflate.destroy(err as Error);
  });
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
    await feeding;
  } catch (err) {
    throw err === state.sourceError ? err : gzipError(err, what);
  } finally {
    inflate.destroy();
  }
  if (state.sourceError !== undefined) throw state.sourceError;
  if (state.inflateError) throw gzipError(state.inflateError, what);
}

interface FeedState {
  inflateError: Error | undefined;
  sourceError: unknown;
}

async function feed(inflate: Gunzip, compressed: AsyncIterable<Buffer>, state: FeedState, what: string): Promise<void> {
  for await (const chunk of compressed) {
    if (state.inflateError) return;
    if (inflate.destroyed || inflate.readableEnded) {
      // The gzip stream has ended (its consumer destroyed it); only padding may follow.
      if (chunk.some((byte) => byte !== 0)) throw new CorruptError(`${what} has trailing data after its gzip stream`);
      continue;
    }
    if (!inflate.write(chunk)) await drainedOrClosed(inflate);
  }
  if (!inflate.destroyed) inflate.end();
}

function drainedOrClosed(stream: Gunzip): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed) return resolve();
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function gzipError(err: unknown, what: string): CorruptError {
  const message = err instanceof Error ? err.message : String(err);
  return new CorruptError(`${what} is not a valid gzip stream: ${message}`, { cause: err });
}

function asyncIterator(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  return (async function* () {
    yield* source;
  })();
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
