/**
 * HTTP for one registry: an undici Agent configured once with the registry's TLS material
 * (containers-certs.d CAs added to the system roots, a client certificate) and enough
 * connections per origin for parallel layer downloads, plus the few helpers every endpoint
 * needs (send one request, read a bounded body, throw away a body).
 *
 * Nothing here retries, authenticates or follows redirects: that is session.ts.
 */
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import type { TlsMaterial } from './certs.js';
import { extraCaCertificates } from '../host-environment.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TransportOptions {
  /** False skips certificate verification (`--tls-verify=false`, `insecure = true`). */
  verifyTls: boolean;
  tls: TlsMaterial;
  /** Connections per origin; the puller downloads this many layers at once at most. */
  connections: number;
  connectTimeoutMs: number;
  /** Longest wait for response headers, and for the next chunk of a body. */
  idleTimeoutMs: number;
}

export const DEFAULT_TRANSPORT_OPTIONS: Omit<TransportOptions, 'verifyTls' | 'tls'> = {
  connections: 16,
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
};

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array | Readable | string | undefined;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
  /** The URL that answered (after redirects). */
  url: URL;
}

export function createAgent(options: TransportOptions): Agent {
  const { tls } = options;
  const ca = [...extraCaCertificates(), ...tls.ca];
  return new Agent({
    connections: options.connections,
    // Node's default (http.maxHeaderSize, 16 KiB), given so undici need not load node:http
    // (and its server and agent modules, ~5 ms of a warm pull) to read it.
    maxHeaderSize: 16 * 1024,
    headersTimeout: options.idleTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
    connect: {
      timeout: options.connectTimeoutMs,
      rejectUnauthorized: options.verifyTls,
      // Node replaces its roots when `ca` is given, so keep them: NODE_EXTRA_CA_CERTS and
      // certs.d add, never narrow.
      ...(ca.length > 0 ? { ca: [...rootCertificates, ...ca] } : {}),
      ...(tls.cert !== undefined && tls.key !== undefined ? { cert: tls.cert, key: tls.key } : {}),
    },
  });
}

/** One HTTP exchange; network failures reject with Node's or undici's own error. */
export async function sendHttp(agent: Dispatcher, request: HttpRequest): Promise<HttpResponse> {
  const { url } = request;
  const response = await agent.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    signal: request.signal ?? null,
  });
  return {
    status: response.statusCode,
    statusText: response.statusText,
    headers: response.headers,
    body: response.body,
    url,
  };
}

/** A response header as one string (undici gives arrays for repeated headers). */
export function headerValue(response: Pick<HttpResponse, 'headers'>, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Frees the connection of a response whose body nobody wants. */
export async function discardBody(response: HttpResponse): Promise<void> {
  try {
    await response.body.dump({ limit: 64 * 1024 });
  } catch {
    // The connection is closed instead; nothing to report.
  }
}

/**
 * The whole body, or `undefined` (with the connection closed) as soon as it would exceed
 * `limit` bytes, so an oversized answer is never held in memory.
 */
export async function readBodyUpTo(response: HttpResponse, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) {
      response.body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

/** Up to `limit` bytes of an error body as text, for messages; the rest is discarded. */
export async function readErrorText(response: HttpResponse, limit = 16 * 1024): Promise<string> {
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= limit) {
        response.body.destroy();
        break;
      }
    }
    return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
  } catch {
    return '';
  }
}
