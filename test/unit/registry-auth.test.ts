import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermissionDeniedError, UnavailableError } from '../../src/errors.js';
import { Authenticator, parseTokenReply, type TokenReply, type TokenRequest } from '../../src/registry/auth.js';
import { parseWwwAuthenticate } from '../../src/registry/challenge.js';

const BEARER = parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="registry.example"');
const BASIC = parseWwwAuthenticate('Basic realm="x"');
const PULL = 'repository:library/busybox:pull';
const PUSH = 'repository:library/busybox:pull,push';

/** A token server that numbers its tokens and records what it was asked. */
function tokenServer(reply: (request: TokenRequest) => TokenReply = () => ok(60)) {
  const requests: TokenRequest[] = [];
  const transport = async (request: TokenRequest): Promise<TokenReply> => {
    requests.push(request);
    await new Promise((r) => setImmediate(r));
    return reply(request);
  };
  return { requests, transport };
}

let counter = 0;
function ok(expiresIn: number | undefined): TokenReply {
  counter++;
  return { status: 200, statusText: 'OK', body: JSON.stringify({ token: `t${counter}`, expires_in: expiresIn }) };
}

describe('Authenticator', () => {
  it('sends nothing until the registry asks', async () => {
    const { transport } = tokenServer();
    const auth = new Authenticator('r.example', { username: 'u', password: 'p' }, transport);
    assert.equal(await auth.authorization([PULL]), undefined);
  });

  it('answers Basic with the credentials, and nothing without them', async () => {
    const { transport } = tokenServer();
    const auth = new Authenticator('r.example', { username: 'user', password: 'pa:ss' }, transport);
    auth.useChallenges(BASIC);
    assert.equal(await auth.authorization([PULL]), `Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
    const anonymous = new Authenticator('r.example', undefined, transport);
    anonymous.useChallenges(BASIC);
    assert.equal(await anonymous.authorization([PULL]), undefined);
  });

  it('asks the realm for a Bearer token with service, scopes and Basic credentials', async () => {
    const { requests, transport } = tokenServer();
    const auth = new Authenticator('r.example', { username: 'u', password: 'p' }, transport);
    auth.useChallenges(BEARER);
    const header = await auth.authorization([PULL, 'repository:other/repo:pull']);
    assert.match(header ?? '', /^Bearer t\d+$/);
    const [request] = requests;
    assert.equal(request?.method, 'GET');
    assert.equal(request?.url.origin + request?.url.pathname, 'https://auth.example/token');
    assert.equal(request?.url.searchParams.get('service'), 'registry.example');
    assert.deepEqual(request?.url.searchParams.getAll('scope'), [PULL, 'repository:other/repo:pull']);
    assert.equal(request?.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('asks anonymously without credentials', async () => {
    const { requests, transport } = tokenServer();
    const auth = new Authenticator('r.example', undefined, transport);
    auth.useChallenges(BEARER);
    await auth.authorization([PULL]);
    assert.equal(requests[0]?.headers.authorization, undefined);
  });

  it('caches per scope set, shares concurrent requests, and renews after expiry', async () => {
    let now = 1_000_000;
    const { requests, transport } = tokenServer(() => ok(60));
    const auth = new Authenticator('r.example', undefined, transport, () => now);
    auth.useChallenges(BEARER);
    const [a, b, c] = await Promise.all([auth.authorization([PULL]), auth.authorization([PULL]), auth.authorization([PUSH])]);
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.equal(requests.length, 2);
    now += 50_000;
    assert.equal(await auth.authorization([PULL]), a, 'still valid after 50 s');
    now += 10_000;
    assert.notEqual(await auth.authorization([PULL]), a, 'renewed near the end of its 60 s');
    assert.equal(requests.length, 3);
  });

  it('uses a token even if its lifetime is shorter than the renewal margin', async () => {
    const { requests, transport } = tokenServer(() => ok(1));
    const auth = new Authenticator('r.example', undefined, transport);
    auth.useChallenges(BEARER);
    assert.match((await auth.authorization([PULL])) ?? '', /^Bearer /);
    assert.equal(requests.length, 1);
  });

  it('uses an OAuth2 refresh-token grant for an identity token', async () => {
    const { requests, transport } = tokenServer(() => ({ status: 200, statusText: 'OK', body: '{"access_token":"a1"}' }));
    const auth = new Authenticator('r.example', { username: '<token>', password: '', identityToken: 'refresh-me' }, transport);
    auth.useChallenges(BEARER);
    assert.equal(await auth.authorization([PULL]), 'Bearer a1');
    const form = new URLSearchParams(requests[0]?.body);
    assert.equal(requests[0]?.method, 'POST');
    assert.equal(form.get('grant_type'), 'refresh_token');
    assert.equal(form.get('refresh_token'), 'refresh-me');
    assert.equal(form.get('scope'), PULL);
  });

  it('turns a refused token request into a one-line permission error', async () => {
    const { transport } = tokenServer(() => ({ status: 401, statusText: 'Unauthorized', body: '{"errors":[{"code":"UNAUTHORIZED","message":"incorrect username or password"}]}' }));
    const auth = new Authenticator('r.example', { username: 'u', password: 'bad' }, transport);
    auth.useChallenges(BEARER);
    await assert.rejects(auth.authorization([PULL]), (err: unknown) => {
      assert.ok(err instanceof PermissionDeniedError);
      assert.equal(err.message, 'authentication to r.example failed: 401 Unauthorized: incorrect username or password');
      return true;
    });
  });

  it('reports a failing token server as unavailable, and asks again next time', async () => {
    let fail = true;
    const { requests, transport } = tokenServer(() => (fail ? { status: 502, statusText: 'Bad Gateway', body: '' } : ok(60)));
    const auth = new Authenticator('r.example', undefined, transport);
    auth.useChallenges(BEARER);
    await assert.rejects(auth.authorization([PULL]), UnavailableError);
    fail = false;
    assert.match((await auth.authorization([PULL])) ?? '', /^Bearer /);
    assert.equal(requests.length, 2);
  });

  it('decides whether a 401 is worth one retry', async () => {
    const { transport } = tokenServer();
    const bearer = new Authenticator('r.example', undefined, transport);
    assert.equal(bearer.refreshAfterUnauthorized('Bearer realm="https://a/t"', [PULL]), true, 'new challenge');
    assert.equal(bearer.refreshAfterUnauthorized('Bearer realm="https://a/t",error="invalid_token"', [PULL]), true, 'token may have expired');
    assert.equal(bearer.refreshAfterUnauthorized(undefined, [PULL]), false, 'no challenge');

    const basic = new Authenticator('r.example', { username: 'u', password: 'p' }, transport);
    assert.equal(basic.refreshAfterUnauthorized('Basic realm="x"', [PULL]), true, 'first Basic challenge');
    assert.equal(basic.refreshAfterUnauthorized('Basic realm="x"', [PULL]), false, 'same credentials refused');
    const anonymous = new Authenticator('r.example', undefined, transport);
    assert.equal(anonymous.refreshAfterUnauthorized('Basic realm="x"', [PULL]), false, 'nothing to send');
  });
});

describe('parseTokenReply', () => {
  it('prefers token over access_token and defaults the lifetime to 60 s', () => {
    const reply = parseTokenReply('{"token":"a","access_token":"b"}', 0, 'r');
    assert.equal(reply.token, 'a');
    assert.equal(reply.expiresAt, 55_000);
    assert.equal(parseTokenReply('{"access_token":"b","expires_in":300}', 0, 'r').expiresAt, 295_000);
  });

  it('refuses replies without a token', () => {
    assert.throws(() => parseTokenReply('{}', 0, 'r'), /sent no token/);
    assert.throws(() => parseTokenReply('<html>', 0, 'r'), /malformed reply/);
  });
});
