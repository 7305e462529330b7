/**
 * `RegistryClient`: the distribution API of one registry host, for pull, push, login and
 * `search`-like listing. Construct one per registry per command; `close()` it at the end
 * (it owns a connection pool).
 *
 *   const registry = new RegistryClient({ host: '127.0.0.1:5000' });
 *   const { manifest } = await registry.getManifest('library/busybox', 'latest');
 *   const { stream } = await registry.fetchBlob('library/busybox', layerDescriptor);
 *
 * Every method pings the registry once first (session.ts), so the scheme and the
 * authentication scheme are settled before the first real request.
 */
import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { MANIFEST_MEDIA_TYPES } from '../oci/media-types.js';
import type { Descriptor, Digest } from '../oci/types.js';
import { tpodVersion } from '../version.js';
import type { Credentials } from './auth.js';
import type { BlobStream } from './blob-download.js';
import { blobExists, fetchBlob, uploadBlob, type UploadOptions, type UploadResult } from './blobs.js';
import { resolveTlsMaterial } from './certs.js';
import { getManifest, headManifest, putManifest, type FetchedManifest } from './manifests.js';
import { PING_PATH } from './paths.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import type { OriginMemory } from './plain-http-memory.js';
import { RegistrySession, type PingResult } from './session.js';
import { listTags } from './tags.js';
import { createAgent, DEFAULT_TRANSPORT_OPTIONS, discardBody } from './transport.js';

export interface RegistryClientOptions {
  /** `host[:port]` as in the image reference: `docker.io`, `quay.io`, `127.0.0.1:5000`. */
  host: string;
  /** registries.conf `insecure = true`: plain http allowed, certificates not verified. */
  insecure?: boolean | undefined;
  /**
   * `--tls-verify`. Default: `!insecure`. False means the same as `insecure`, as in podman;
   * an explicit true wins over an `insecure` registries.conf entry.
   */
  tlsVerify?: boolean | undefined;
  /** `--cert-dir`: ca.crt / client.cert / client.key (containers-certs.d(5)). */
  certDir?: string | undefined;
  credentials?: Credentials | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** Connections per origin (default 16): the most layers fetched at once. */
  connections?: number | undefined;
  /** Longest silence while waiting for headers or body data (default 60 s). */
  idleTimeoutMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  /** Remembers registries that answered plain http, to try that first next time. */
  origins?: OriginMemory | undefined;
}

/** docker.io is a name; its API lives at registry-1.docker.io (containers/image does the same). */
export function registryEndpoint(host: string): string {
  return host === 'docker.io' || host === 'index.docker.io' ? 'registry-1.docker.io' : host;
}

/** localhost and 127.0.0.0/8 (and ::1) get the http fallback without being marked insecure. */
export function isLocalRegistry(host: string): boolean {
  const hostname = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : (host.split(':')[0] ?? '');
  return hostname === 'localhost' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export class RegistryClient {
  readonly host: string;
  private readonly agent: Agent;
  private readonly session: RegistrySession;
  private readonly retry: RetryPolicy;

  constructor(options: RegistryClientOptions) {
    this.host = options.host;
    const verifyTls = options.tlsVerify ?? !options.insecure;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.agent = createAgent({
      ...DEFAULT_TRANSPORT_OPTIONS,
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      verifyTls,
      tls: resolveTlsMaterial(options.host, options.certDir),
    });
    this.session = new RegistrySession({
      host: options.host,
      endpoint: registryEndpoint(options.host),
      allowHttp: !verifyTls || isLocalRegistry(options.host),
      origins: options.origins,
      dispatcher: this.agent,
      credentials: options.credentials,
      retry: this.retry,
      userAgent: `tpod/${tpodVersion()}`,
    });
  }

  /** The API version check: which origin answers (https or http) and how it wants auth. */
  ping(signal?: AbortSignal): Promise<PingResult> {
    return this.session.ping(signal);
  }

  /**
   * For `tpod login`: proves the credentials against the registry. Basic registries check
   * them on `GET /v2/`; Bearer registries check them at the token server (no scope asked,
   * as docker login does). A registry without authentication accepts anything.
   */
  async verifyCredentials(signal?: AbortSignal): Promise<void> {
    await this.ping(signal);
    const response = await this.session.send({ method: 'GET', target: PING_PATH, scopes: [], signal });
    await this.session.expectStatus(response, [200], `registry ${this.host}`);
    await discardBody(response);
  }

  /** A manifest or index by tag or digest; see manifests.ts for the checks made. */
  getManifest(
    repository: string,
    reference: string,
    accept: readonly string[] = MANIFEST_MEDIA_TYPES,
    signal?: AbortSignal,
  ): Promise<FetchedManifest> {
    return getManifest({ session: this.session, repository, reference, signal }, accept);
  }

  /** A manifest's descriptor (HEAD), or undefined if the registry has no such manifest. */
  headManifest(repository: string, reference: string, signal?: AbortSignal): Promise<Descriptor | undefined> {
    return headManifest({ session: this.session, repository, reference, signal });
  }

  /** Uploads a manifest's exact bytes under a tag or its digest; returns the sha256 digest. */
  putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string, signal?: AbortSignal): Promise<Digest> {
    return putManifest({ session: this.session, repository, reference, signal }, bytes, mediaType);
  }

  /**
   * A blob as a stream plus the descriptor it must match; resolves once the registry
   * answered. Call it for several layers at once: the pool has `connections` sockets.
   */
  fetchBlob(repository: string, descriptor: Descriptor, signal?: AbortSignal): Promise<BlobStream> {
    return fetchBlob(this.session, repository, descriptor, this.retry, signal);
  }

  blobExists(repository: string, digest: Digest, signal?: AbortSignal): Promise<boolean> {
    return blobExists(this.session, repository, digest, signal);
  }

  uploadBlob(
    repository: string,
    digest: Digest,
    size: number,
    body: Uint8Array | Readable,
    options?: UploadOptions,
  ): Promise<UploadResult> {
    return uploadBlob(this.session, repository, digest, size, body, options);
  }

  listTags(repository: string, signal?: AbortSignal): Promise<string[]> {
    return listTags(this.session, repository, signal);
  }

  /** Closes idle connections and waits for requests in flight. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}
