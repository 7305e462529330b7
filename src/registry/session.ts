/**
 * The request pipeline every endpoint goes through, one registry per session:
 *
 * 1. API version check (`GET /v2/`, distribution spec "API Version Check"), once: https
 *    first; http only for insecure registries and localhost, as docker does for 127.0.0.0/8.
 *    A 401 here tells which authentication scheme the registry wants.
 * 2. Authorization for the request's scopes (auth.ts), sent only to the registry's own
 *    origin: a redirect to a blob CDN carries its own signed URL and must not get the token.
 * 3. Redirects (GET/HEAD) followed by hand, for the rule above.
 * 4. One retry with fresh authorization after a 401; retries with exponential backoff after
 *    transient failures (retry.ts, network-errors.ts) when the body can be sent again.
 *
 * The caller gets the final response and checks the status it expects with `expectStatus`.
 */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { UnavailableError, type TpodError } from '../errors.js';
import { Authenticator, type Credentials, type TokenReply, type TokenRequest } from './auth.js';
import { parseWwwAuthenticate, type AuthChallenge } from './challenge.js';
import { classifyNetworkError, isPlainHttpResponse, type NetworkFailure } from './network-errors.js';
import { PING_PATH } from './paths.js';
import type { OriginMemory } from './plain-http-memory.js';
import { registryResponseError } from './response-errors.js';
import { backoffDelay, isTransientStatus, parseRetryAfter, sleep, type RetryPolicy } from './retry.js';
import {
  discardBody,
  headerValue,
  readErrorText,
  sendHttp,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
} from './transport.js';

export interface RegistryRequest {
  method: HttpMethod;
  /** A path on the registry (`/v2/…`) or an absolute URL it handed out (an upload Location). */
  target: string;
  /** Token scopes the request needs (`repository:library/busybox:pull`). */
  scopes: readonly string[];
  headers?: Record<string, string>;
  /** A Readable can be sent once: such requests are neither retried nor re-authorized. */
  body?: Uint8Array | Readable;
  signal?: AbortSignal | undefined;
}

export interface PingResult {
  /** `https://host:port` or, after the fallback, `http://host:port`. */
  origin: string;
  challenges: AuthChallenge[];
}

export interface SessionOptions {
  /** The registry as the user named it, for messages (`docker.io`, `127.0.0.1:5000`). */
  host: string;
  /** Where to connect (`registry-1.docker.io` for docker.io). */
  endpoint: string;
  /** Whether plain http may be tried after https fails. */
  allowHttp: boolean;
  /** Registries that answered plain http before: tried over http first (a hint). */
  origins?: OriginMemory | undefined;
  dispatcher: Dispatcher;
  credentials?: Credentials | undefined;
  retry: RetryPolicy;
  userAgent: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** A network failure tagged with the host that failed, which may be a redirect target. */
class ConnectionFailure extends Error {
  constructor(
    readonly url: URL,
    readonly failure: NetworkFailure | undefined,
    override readonly cause: unknown,
  ) {
    super(failure?.reason ?? String(cause));
  }
}

export class RegistrySession {
  readonly auth: Authenticator;
  private pinged: Promise<PingResult> | undefined;

  constructor(private readonly options: SessionOptions) {
    this.auth = new Authenticator(options.host, options.credentials, (request) => this.sendTokenRequest(request));
  }

  get host(): string {
    return this.options.host;
  }

  /** The API version check, done once per session (a failed one is tried again next time). */
  ping(signal?: AbortSignal): Promise<PingResult> {
    this.pinged ??= this.detectOrigin(signal).then(
      (result) => {
        this.auth.useChallenges(result.challenges);
        return result;
      },
      (err: unknown) => {
        this.pinged = undefined;
        throw err;
      },
    );
    return this.pinged;
  }

  /** Sends `request` through auth, redirects and retries; returns whatever answered last. */
  async send(request: RegistryRequest): Promise<HttpResponse> {
    const { origin } = await this.ping(request.signal);
    return this.exchange(request, origin, true);
  }

  /**
   * The retry loop: transient failures are retried with backoff while the body can be sent
   * again; with `authorize`, a 401 is answered once with fresh authorization.
   */
  private async exchange(request: RegistryRequest, origin: string, authorize: boolean): Promise<HttpResponse> {
    const replayable = !(request.body instanceof Readable);
    const policy = this.options.retry;
    let retries = 0;
    let reauthorized = false;
    for (;;) {
      let response: HttpResponse;
      try {
        response = await this.sendFollowingRedirects(request, origin, authorize);
      } catch (err) {
        if (!(err instanceof ConnectionFailure)) throw err;
        if (err.failure?.transient && replayable && retries < policy.maxRetries) {
          await sleep(backoffDelay(policy, retries++), request.signal);
          continue;
        }
        throw this.unreachable(err);
      }
      if (authorize && response.status === 401 && replayable && !reauthorized && response.url.origin === origin) {
        reauthorized = true;
        if (this.auth.refreshAfterUnauthorized(response.headers['www-authenticate'], request.scopes)) {
          await discardBody(response);
          continue;
        }
      }
      if (isTransientStatus(response.status) && replayable && retries < policy.maxRetries) {
        const retryAfter = parseRetryAfter(response.headers['retry-after']);
        await discardBody(response);
        await sleep(backoffDelay(policy, retries++, retryAfter), request.signal);
        continue;
      }
      return response;
    }
  }

  /**
   * Returns if `response` has one of `statuses`; otherwise reads the error body and throws
   * the typed error for it, naming `subject` (`manifest 127.0.0.1:5000/library/busybox:latest`).
   */
  async expectStatus(response: HttpResponse, statuses: readonly number[], subject: string): Promise<void> {
    if (statuses.includes(response.status)) return;
    throw await this.responseError(response, subject);
  }

  async responseError(response: HttpResponse, subject: string): Promise<TpodError> {
    const body = await readErrorText(response);
    return registryResponseError(response.status, response.statusText, body, {
      host: this.options.host,
      subject,
      hadCredentials: this.auth.hasCredentials,
    });
  }

  private async sendFollowingRedirects(request: RegistryRequest, origin: string, authorize: boolean): Promise<HttpResponse> {
    let url = new URL(request.target, origin);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.options.userAgent, ...request.headers };
      if (authorize && url.origin === origin) {
        const authorization = await this.auth.authorization(request.scopes);
        if (authorization) headers.authorization = authorization;
      }
      const response = await this.sendOnce({ method: request.method, url, headers, body: request.body, signal: request.signal });
      const location = headerValue(response, 'location');
      const followable = request.method === 'GET' || request.method === 'HEAD';
      if (!followable || !REDIRECT_STATUSES.has(response.status) || location === undefined) return response;
      await discardBody(response);
      if (hop >= MAX_REDIRECTS) {
        throw new UnavailableError(`registry ${this.host} redirected ${request.target} more than ${MAX_REDIRECTS} times`);
      }
      url = new URL(location, url);
    }
  }

  /** One exchange; network failures become ConnectionFailure, aborts and bugs pass through. */
  private async sendOnce(request: HttpRequest): Promise<HttpResponse> {
    try {
      return await sendHttp(this.options.dispatcher, request);
    } catch (err) {
      const failure = classifyNetworkError(err);
      if (request.signal?.aborted || (failure === undefined && !isUndiciError(err))) throw err;
      throw new ConnectionFailure(request.url, failure, err);
    }
  }

  /**
   * https first, then (if allowed) http; each must answer 200 or 401 to count. A registry
   * remembered as plain http is tried over http first, and from https again if it fails.
   */
  private async detectOrigin(signal: AbortSignal | undefined): Promise<PingResult> {
    const { allowHttp, origins, endpoint } = this.options;
    if (allowHttp && origins?.answeredPlainHttp(endpoint)) {
      const remembered = await this.tryPing('http', signal).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      if (!(remembered instanceof Error)) return remembered;
      await origins.remember(endpoint, 'https');
    }
    const result = await this.probeHttpsThenHttp(signal);
    await origins?.remember(endpoint, result.origin.startsWith('http:') ? 'http' : 'https');
    return result;
  }

  private async probeHttpsThenHttp(signal: AbortSignal | undefined): Promise<PingResult> {
    const secure = await this.tryPing('https', signal);
    if (!(secure instanceof Error)) return secure;
    if (!this.options.allowHttp) throw secure;
    const plain = await this.tryPing('http', signal);
    if (!(plain instanceof Error)) return plain;
    // Report what went wrong with https unless the server plainly speaks http.
    const httpsFailure = (secure.cause as ConnectionFailure | undefined)?.failure;
    throw httpsFailure && isPlainHttpResponse(httpsFailure) ? plain : secure;
  }

  /** `GET /v2/` at `scheme`; 200 or 401 is a registry, anything else an error returned. */
  private async tryPing(scheme: 'https' | 'http', signal: AbortSignal | undefined): Promise<PingResult | TpodError> {
    const origin = `${scheme}://${this.options.endpoint}`;
    let response: HttpResponse;
    try {
      response = await this.exchange({ method: 'GET', target: PING_PATH, scopes: [], signal }, origin, false);
    } catch (err) {
      if (err instanceof UnavailableError) return err;
      throw err;
    }
    await discardBody(response);
    if (response.status === 200 || response.status === 401) {
      return { origin, challenges: parseWwwAuthenticate(response.headers['www-authenticate']) };
    }
    return new UnavailableError(
      `registry ${this.host} does not answer the distribution API at ${origin}${PING_PATH}: ${response.status} ${response.statusText}`.trim(),
    );
  }

  /** `registry 127.0.0.1:1234 is not reachable: connection refused`, one line. */
  private unreachable(err: ConnectionFailure): UnavailableError {
    const sameHost = err.url.host === this.options.endpoint;
    const what = sameHost ? `registry ${this.host}` : `${err.url.host} (redirected from registry ${this.host})`;
    const reason = err.failure?.reason ?? oneLine((err.cause as Error | undefined)?.message ?? 'unknown error');
    const hint = err.failure?.tls
      ? `trust the registry's CA with --cert-dir (ca.crt), or skip verification with --tls-verify=false`
      : undefined;
    return new UnavailableError(`${what} is not reachable: ${reason}`, { cause: err, ...(hint ? { hint } : {}) });
  }

  /** Token servers share the registry's TLS settings, as in containers/image. */
  private async sendTokenRequest(request: TokenRequest): Promise<TokenReply> {
    let response: HttpResponse;
    try {
      response = await sendHttp(this.options.dispatcher, {
        method: request.method,
        url: request.url,
        headers: { 'user-agent': this.options.userAgent, ...request.headers },
        body: request.body,
      });
    } catch (err) {
      const failure = classifyNetworkError(err);
      if (failure === undefined && !isUndiciError(err)) throw err;
      const reason = failure?.reason ?? oneLine((err as Error).message);
      throw new UnavailableError(`token server ${request.url.host} for registry ${this.host} is not reachable: ${reason}`, {
        cause: err,
      });
    }
    const body = await readErrorText(response, 1024 * 1024);
    return { status: response.status, statusText: response.statusText, body };
  }
}

/** undici's own errors (socket closed, timeouts) carry `UND_ERR_*` codes. */
function isUndiciError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('UND_ERR');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
