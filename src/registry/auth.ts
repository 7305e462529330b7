/**
 * Answering a registry's authentication challenge (docker/distribution docs/spec/auth/
 * token.md; the OCI distribution spec leaves auth to it).
 *
 * - Basic: every request carries the user's credentials.
 * - Bearer: a token for the request's scopes (`repository:<name>:pull`, or `pull,push`)
 *   comes from the challenge's realm, anonymously or with the credentials as Basic (or, with
 *   an identity token from `login`, as an OAuth2 refresh-token grant, token.md "OAuth2").
 *   Tokens are cached per realm, service and scope set until `expires_in` runs out, and
 *   concurrent requests for the same scopes share one token request, so ten parallel layer
 *   downloads cost one round trip to the token server.
 */
import { PermissionDeniedError, UnavailableError } from '../errors.js';
import { parseWwwAuthenticate, preferredChallenge, type AuthChallenge } from './challenge.js';
import { describeStatus } from './response-errors.js';

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (auth.json `identitytoken`), used instead of the password. */
  identityToken?: string | undefined;
}

export interface TokenRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface TokenReply {
  status: number;
  statusText: string;
  body: string;
}

/** How the authenticator reaches a token server; the session supplies it. */
export type TokenTransport = (request: TokenRequest) => Promise<TokenReply>;

export interface CachedToken {
  token: string;
  expiresAt: number;
}

/** token.md "Token Response Fields": without `expires_in`, a token lasts 60 seconds. */
const DEFAULT_TOKEN_LIFETIME_S = 60;
/** Renew this long before expiry, so a token does not lapse between check and use. */
const EXPIRY_MARGIN_MS = 5_000;

export class Authenticator {
  private challenge: AuthChallenge | undefined;
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  constructor(
    /** The registry as the user named it, for messages. */
    private readonly host: string,
    private readonly credentials: Credentials | undefined,
    private readonly transport: TokenTransport,
    private readonly now: () => number = Date.now,
  ) {}

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** The scheme the registry asked for, if any (`bearer`, `basic`). */
  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** Records the challenge from the API version check (`GET /v2/` answering 401). */
  useChallenges(challenges: readonly AuthChallenge[]): void {
    this.challenge = preferredChallenge(challenges);
  }

  /** The Authorization header value for a request needing `scopes`, if the registry wants one. */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.challenge;
    if (challenge?.scheme === 'basic') return this.credentials ? basicAuthorization(this.credentials) : undefined;
    if (challenge?.scheme === 'bearer') return `Bearer ${await this.token(challenge, scopes)}`;
    return undefined;
  }

  /**
   * A request needing `scopes` got 401 with `header`. Returns true when retrying with fresh
   * authorization can help: the challenge is new, or a Bearer token may have expired or
   * lacked a scope. Returns false when the same credentials were already refused.
   */
  refreshAfterUnauthorized(header: string | string[] | undefined, scopes: readonly string[]): boolean {
    const offered = preferredChallenge(parseWwwAuthenticate(header));
    if (!offered) return false;
    const previous = this.challenge;
    this.challenge = offered;
    if (offered.scheme === 'bearer') {
      this.tokens.delete(tokenKey(offered, scopes));
      return true;
    }
    if (offered.scheme === 'basic') return previous?.scheme !== 'basic' && this.credentials !== undefined;
    return false;
  }

  /** A cached token while it lives; otherwise one request shared by all who ask meanwhile. */
  private async token(challenge: AuthChallenge, scopes: readonly string[]): Promise<string> {
    const key = tokenKey(challenge, scopes);
    const pending = this.tokens.get(key);
    if (pending) {
      const cached = await pending;
      if (cached.expiresAt > this.now()) return cached.token;
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    }
    const fresh = this.tokens.get(key) ?? this.startTokenRequest(key, challenge, scopes);
    return (await fresh).token;
  }

  private startTokenRequest(key: string, challenge: AuthChallenge, scopes: readonly string[]): Promise<CachedToken> {
    const request = this.requestToken(challenge, scopes);
    this.tokens.set(key, request);
    request.catch(() => {
      if (this.tokens.get(key) === request) this.tokens.delete(key);
    });
    return request;
  }

  private async requestToken(challenge: AuthChallenge, scopes: readonly string[]): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw new PermissionDeniedError(`registry ${this.host} sent a Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new PermissionDeniedError(`registry ${this.host} sent an invalid token realm "${realm}"`);
    }
    const requestedAt = this.now();
    const reply = await this.transport(this.tokenRequest(url, challenge.params.service, scopes));
    if (reply.status !== 200) throw this.tokenError(url, reply);
    return parseTokenReply(reply.body, requestedAt, this.host);
  }

  /** token.md "Requesting a Token" (GET), or an OAuth2 refresh-token grant (POST). */
  private tokenRequest(realm: URL, service: string | undefined, scopes: readonly string[]): TokenRequest {
    const credentials = this.credentials;
    if (credentials?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'tpod' });
      if (service) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      return {
        url: realm,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      };
    }
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (credentials) headers.authorization = basicAuthorization(credentials);
    return { url, method: 'GET', headers };
  }

  private tokenError(realm: URL, reply: TokenReply): Error {
    const description = describeStatus(reply.status, reply.statusText, reply.body);
    if (reply.status === 401 || reply.status === 403) {
      return new PermissionDeniedError(`authentication to ${this.host} failed: ${description}`, {
        hint: this.credentials ? `check the credentials with tpod login ${this.host}` : `log in first: tpod login ${this.host}`,
      });
    }
    return new UnavailableError(`token server ${realm.host} for registry ${this.host} failed: ${description}`);
  }
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** token.md "Token Response Fields": `token` (or OAuth2's `access_token`), `expires_in`. */
export function parseTokenReply(body: string, requestedAt: number, host: string): CachedToken {
  let reply: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    reply = JSON.parse(body) as typeof reply;
  } catch {
    throw new PermissionDeniedError(`token server for registry ${host} sent a malformed reply`);
  }
  const token = typeof reply.token === 'string' && reply.token ? reply.token : reply.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new PermissionDeniedError(`token server for registry ${host} sent no token`);
  }
  const lifetime = typeof reply.expires_in === 'number' && reply.expires_in > 0 ? reply.expires_in : DEFAULT_TOKEN_LIFETIME_S;
  const lifetimeMs = lifetime * 1000;
  return { token, expiresAt: requestedAt + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 2) };
}

function tokenKey(challenge: AuthChallenge, scopes: readonly string[]): string {
  return [challenge.params.realm ?? '', challenge.params.service ?? '', ...[...scopes].sort()].join('\n');
}
