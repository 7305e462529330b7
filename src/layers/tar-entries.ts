/**
 * Drives node-tar's Parser from an uncompressed tar stream and hands each entry, in order,
 * to an async handler, with backpressure end to end: the parser holds at most the entries
 * of one input chunk, and stops taking input until the handler has consumed them. Memory
 * stays constant whatever the layer size.
 *
 * The parser is not run in strict mode because it would then reject an archive of only
 * zero blocks, which is a valid empty layer (docker's well-known empty layer is one); its
 * warnings that do mean damage (bad checksum, truncation) are turned into errors here.
 */
import { once } from 'node:events';
import type { ReadEntry } from 'tar';
import { CorruptError } from '../errors.js';

export type EntryHandler = (entry: ReadEntry) => Promise<void>;

/** node-tar's warning for input with no valid header: here, a tar of only zero blocks. */
const NO_ENTRIES_WARNING = 'Unrecognized archive format';

/**
 * Feeds `tar` to the parser, awaiting `onEntry` for each entry before the next. `what`
 * names the archive in errors ("layer sha256:…"). Resolves once every entry is handled;
 * rejects with the first failure, after which nothing more is handled.
 */
export async function forEachTarEntry(tar: AsyncIterable<Uint8Array>, what: string, onEntry: EntryHandler): Promise<void> {
  // Loaded here, not with the module: pulls of images already present, and every command
  // that only removes images (image gc), never parse a tar (~4 ms of node-tar's loading).
  const { Parser } = await import('tar');
  // zstd: false keeps node-tar from sniffing for compression: the caller decompressed.
  const parser = new Parser({ zstd: false });
  const failure = new FirstFailure();
  let handled: Promise<void> = Promise.resolve();
  let current: ReadEntry | undefined;
  let bytes = 0;
  let sawEndOfArchive = false;

  parser.on('entry', (entry: ReadEntry) => {
    handled = handled
      .then(() => {
        if (failure.happened) return;
        current = entry;
        return onEntry(entry);
      })
      .catch((err: unknown) => failure.set(err));
  });
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    failure.set(new CorruptError(`${what} entry "${entry.path}" has unsupported type ${entry.type}`));
  });
  parser.on('warn', (_code: string, message: string) => {
    if (message !== NO_ENTRIES_WARNING) failure.set(new CorruptError(`${what} is not a valid tar archive: ${message}`));
  });
  parser.on('eof', () => (sawEndOfArchive = true));
  parser.on('error', (err: Error) => failure.set(new CorruptError(`${what} is not a valid tar archive: ${err.message}`, { cause: err })));
  const ended = once(parser, 'end');
  ended.catch(() => undefined); // an 'error' rejects it; the failure is reported from `failure`

  try {
    for await (const chunk of tar) {
      if (failure.happened) break;
      bytes += chunk.byteLength;
      if (!parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        await Promise.race([once(parser, 'drain'), failure.promise]);
      }
    }
    if (!failure.happened) parser.end();
    await Promise.race([ended, failure.promise]);
    await Promise.race([handled, failure.promise]);
    // node-tar drops a partial header at the end silently; a tar is whole 512-byte blocks.
    // (The end-of-archive blocks themselves may be missing: Go's archive/tar allows that too.)
    if (!sawEndOfArchive && bytes % 512 !== 0) {
      failure.set(new CorruptError(`${what} is not a valid tar archive: truncated within a header (${bytes} bytes)`));
    }
  } catch (err) {
    failure.set(err);
  }
  if (failure.happened) {
    // The handler may be waiting for body bytes that will never come: end its wait, and
    // let it settle, so the caller's cleanup never races a write still under way.
    current?.destroy();
    await handled;
  }
  failure.throwIfHappened();
}

/** The first error of several concurrent parties, as a flag and as a rejecting promise. */
class FirstFailure {
  #error: unknown;
  #happened = false;
  #reject!: (err: unknown) => void;
  readonly promise: Promise<never> = new Promise<never>((_, reject) => {
    this.#reject = reject;
  });

  constructor() {
    this.promise.catch(() => undefined); // observed through throwIfHappened
  }

  get happened(): boolean {
    return this.#happened;
  }

  set(err: unknown): void {
    if (this.#happened) return;
    this.#happened = true;
    this.#error = err;
    this.#reject(err);
  }

  throwIfHappened(): void {
    if (this.#happened) throw this.#error;
  }
}
