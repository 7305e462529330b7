/**
 * A blob download as one Readable that survives a flaky connection (distribution spec
 * "Pulling blobs", RFC 9110 section 14 for ranges). When the body breaks off (a reset, a
 * timeout, or an end before `descriptor.size` bytes), the download waits with backoff and
 * asks again for the rest with `Range: bytes=<received>-`. A server that answers 206 with
 * the matching `Content-Range` continues where it stopped; one that ignores the range and
 * sends the whole blob again (200) is read from the start with the bytes already delivered
 * skipped. Either way the consumer sees each byte once, in order.
 *
 * Digest verification is the content store's job as it writes the stream; this file only
 * guarantees the byte count, and stops at once on more bytes than the descriptor says.
 */
import { Readable } from 'node:stream';
import { CorruptError, UnavailableError } from '../errors.js';
import type { Descriptor } from '../oci/types.js';
import { classifyNetworkError } from './network-errors.js';
import { backoffDelay, sleep, type RetryPolicy } from './retry.js';
import type { RegistrySession } from './session.js';
import { headerValue, type HttpResponse } from './transport.js';

/** A blob on its way: the stream of its bytes and the descriptor they must match. */
export interface BlobStream {
  descriptor: Descriptor;
  stream: Readable;
}

export interface BlobDownloadRequest {
  session: RegistrySession;
  /** `/v2/<name>/blobs/<digest>` */
  path: string;
  scopes: readonly string[];
  descriptor: Descriptor;
  /** `blob sha256:… from 127.0.0.1:5000/library/busybox`, for messages. */
  subject: string;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
}

type Body = HttpResponse['body'];

/** Sentinel for a body that ended cleanly but short of the descriptor's size. */
class TruncatedBody extends Error {}

const HIGH_WATER_MARK = 256 * 1024;

/**
 * Opens the download; resolves once the registry has answered the first request, so a
 * missing blob or a refused authorization rejects here rather than on the stream.
 */
export async function startBlobDownload(request: BlobDownloadRequest): Promise<BlobStream> {
  const download = new BlobDownload(request);
  await download.begin();
  return { descriptor: request.descriptor, stream: download };
}

class BlobDownload extends Readable {
  /** Bytes handed to the consumer so far. */
  private delivered = 0;
  /** Bytes at the start of the current body that were already delivered. */
  private skip = 0;
  private body: Body | undefined;
  private failures = 0;
  private progressSinceFailure = false;

  constructor(private readonly request: BlobDownloadRequest) {
    super({ highWaterMark: HIGH_WATER_MARK });
    const { signal } = request;
    if (signal) {
      const onAbort = (): void => void this.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      this.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }

  get size(): number {
    return this.request.descriptor.size;
  }

  async begin(): Promise<void> {
    this.attach(await this.openAt(0, true));
  }

  override _read(): void {
    this.body?.resume();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.detach()?.destroy();
    callback(err);
  }

  /** GET the blob from `offset` on; returns the body positioned at `offset`. */
  private async openAt(offset: number, useRange: boolean): Promise<Body> {
    const { session, path, scopes, subject, signal } = this.request;
    const headers: Record<string, string> = offset > 0 && useRange ? { range: `bytes=${offset}-` } : {};
    const response = await session.send({ method: 'GET', target: path, scopes, headers, signal });
    if (response.status === 416 && offset > 0 && useRange) {
      response.body.destroy();
      return this.openAt(offset, false);
    }
    if (response.status === 206 && offset > 0 && useRange) {
      this.skip = offset - this.rangeStart(response);
      return response.body;
    }
    await session.expectStatus(response, [200], subject);
    this.checkContentLength(response);
    this.skip = offset;
    return response.body;
  }

  /** The first byte of a 206 (`Content-Range: bytes 100-199/200`), checked against what we asked. */
  private rangeStart(response: HttpResponse): number {
    const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerValue(response, 'content-range') ?? '');
    const start = Number(match?.[1]);
    const total = match?.[3];
    if (!match || start > this.delivered || (total !== '*' && Number(total) !== this.size)) {
      response.body.destroy();
      throw new CorruptError(`${this.request.subject}: unusable Content-Range "${headerValue(response, 'content-range') ?? ''}" when resuming at byte ${this.delivered}`);
    }
    return start;
  }

  private checkContentLength(response: HttpResponse): void {
    const length = headerValue(response, 'content-length');
    if (length !== undefined && Number(length) !== this.size) {
      response.body.destroy();
      throw new CorruptError(`${this.request.subject} is ${length} bytes, the descriptor says ${this.size}`);
    }
  }

  private attach(body: Body): void {
    this.body = body;
    body.on('data', (chunk: Buffer) => this.onData(chunk));
    body.once('end', () => this.onEnd());
    body.once('error', (err: Error) => this.onBodyFailure(err));
  }

  /** Stops listening to the current body; later errors from it are ignored. */
  private detach(): Body | undefined {
    const body = this.body;
    this.body = undefined;
    if (body) {
      body.removeAllListeners('data');
      body.removeAllListeners('end');
      body.removeAllListeners('error');
      body.on('error', () => {});
    }
    return body;
  }

  private onData(chunk: Buffer): void {
    if (this.skip > 0) {
      const dropped = Math.min(this.skip, chunk.length);
      this.skip -= dropped;
      chunk = chunk.subarray(dropped);
      if (chunk.length === 0) return;
    }
    this.delivered += chunk.length;
    this.progressSinceFailure = true;
    if (this.delivered > this.size) {
      this.detach()?.destroy();
      this.destroy(new CorruptError(`${this.request.subject} is longer than the ${this.size} bytes its descriptor says`));
      return;
    }
    if (!this.push(chunk)) this.body?.pause();
  }

  private onEnd(): void {
    this.detach();
    if (this.skip === 0 && this.delivered === this.size) {
      this.push(null);
      return;
    }
    this.onBodyFailure(new TruncatedBody('the connection ended early'));
  }

  private onBodyFailure(err: Error): void {
    this.detach()?.destroy();
    void this.continueAfter(err);
  }

  /** Waits, then continues from `delivered`; gives up after `maxRetries` fruitless attempts. */
  private async continueAfter(cause: Error): Promise<void> {
    if (this.destroyed) return;
    if (this.progressSinceFailure) this.failures = 0;
    this.progressSinceFailure = false;
    const failure = classifyNetworkError(cause);
    const retryable = cause instanceof TruncatedBody || failure?.transient === true;
    const { retry, subject, signal } = this.request;
    if (!retryable || this.failures >= retry.maxRetries) {
      const reason = cause instanceof TruncatedBody ? cause.message : (failure?.reason ?? cause.message);
      const attempts = this.failures + 1;
      this.destroy(
        new UnavailableError(
          `download of ${subject} failed at byte ${this.delivered} of ${this.size} after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}: ${reason}`,
          { cause },
        ),
      );
      return;
    }
    try {
      await sleep(backoffDelay(retry, this.failures++), signal);
      if (this.destroyed) return;
      const body = await this.openAt(this.delivered, true);
      if (this.destroyed) {
        body.destroy();
        return;
      }
      this.attach(body);
    } catch (err) {
      this.destroy(err as Error);
    }
  }
}
