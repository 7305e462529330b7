/**
 * Writing a tar stream entry by entry, each file's body streamed from its source, for
 * `tpod save`. node-tar's Pack reads files from disk by path; an archive of blobs under
 * names of our choosing (and of layers decompressed on the fly) needs headers of our own,
 * so node-tar only encodes them. Every header's size is known before its body: that is the
 * price of tar.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Header } from 'tar';
import { CorruptError } from '../errors.js';

const BLOCK = 512;
/** Fixed times make two saves of the same images byte-identical. */
const EPOCH = new Date(0);

export class TarWriter {
  constructor(private readonly out: Writable) {}

  async directory(path: string): Promise<void> {
    await this.write(this.header(path.endsWith('/') ? path : `${path}/`, 0, 'Directory', 0o755));
  }

  /** A file of exactly `size` bytes from `body`; more or fewer is an error. */
  async file(path: string, size: number, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    await this.write(this.header(path, size, 'File', 0o644));
    let written = 0;
    const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = body instanceof Uint8Array ? [body] : body;
    for await (const chunk of chunks) {
      written += chunk.length;
      if (written > size) throw new CorruptError(`${path}: more than the ${size} bytes expected`);
      await this.write(chunk);
    }
    if (written !== size) throw new CorruptError(`${path}: ${written} bytes where ${size} were expected`);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding) await this.write(Buffer.alloc(padding));
  }

  /** The two zero blocks that end an archive; the output stream is ended too. */
  async end(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    this.out.end();
    if (!this.out.writableFinished) await once(this.out, 'finish');
  }

  private header(path: string, size: number, type: 'File' | 'Directory', mode: number): Buffer {
    const block = Buffer.alloc(BLOCK);
    const header = new Header({ path, size, type, mode, mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' });
    // Our names are short ASCII (blobs/sha256/<hex>): a header that needs PAX is a bug.
    if (header.encode(block, 0)) throw new Error(`tar entry name too long: ${path}`);
    return block;
  }

  /** Honours backpressure: a slow pipe (stdout to ssh) never makes tpod buffer a layer. */
  private async write(chunk: Uint8Array): Promise<void> {
    if (this.out.destroyed) throw new Error('output closed');
    if (!this.out.write(chunk)) await drained(this.out);
  }
}

/** Resolves on 'drain', rejects on 'error' or an early 'close'; leaves no listener behind. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('error', done);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('output closed'));
    out.on('drain', onDrain);
    out.on('error', done);
    out.on('close', onClose);
  });
}
