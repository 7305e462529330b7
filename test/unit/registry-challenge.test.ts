import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWwwAuthenticate, preferredChallenge } from '../../src/registry/challenge.js';

describe('parseWwwAuthenticate', () => {
  it('reads a Docker Hub Bearer challenge', () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"';
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ]);
  });

  it('keeps commas inside quoted values (pull,push scopes)', () => {
    const [challenge] = parseWwwAuthenticate('Bearer realm="https://r/token",scope="repository:a/b:pull,push"');
    assert.equal(challenge?.params.scope, 'repository:a/b:pull,push');
  });

  it('reads Basic, with and without parameters', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm"'), [
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Basic'), [{ scheme: 'basic', params: {} }]);
  });

  it('lower-cases scheme and parameter names, not values', () => {
    assert.deepEqual(parseWwwAuthenticate('BEARER Realm="https://Auth/Token"'), [
      { scheme: 'bearer', params: { realm: 'https://Auth/Token' } },
    ]);
  });

  it('splits several challenges in one header and across headers', () => {
    const challenges = parseWwwAuthenticate(['Basic realm="a", Bearer realm="b",service="s"', 'Negotiate']);
    assert.deepEqual(
      challenges.map((c) => [c.scheme, c.params]),
      [
        ['basic', { realm: 'a' }],
        ['bearer', { realm: 'b', service: 's' }],
        ['negotiate', {}],
      ],
    );
  });

  it('accepts unquoted tokens, spaces around "=" and escaped quotes', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm = "r\\"x" , service=svc'), [
      { scheme: 'bearer', params: { realm: 'r"x', service: 'svc' } },
    ]);
  });

  it('skips a token68 and still finds the next challenge', () => {
    const challenges = parseWwwAuthenticate('Negotiate YIIabc==, Basic realm="x"');
    assert.deepEqual(
      challenges.map((c) => c.scheme),
      ['negotiate', 'basic'],
    );
  });

  it('returns nothing for a missing or empty header', () => {
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate(''), []);
  });
});

describe('preferredChallenge', () => {
  it('prefers Bearer over Basic and ignores other schemes', () => {
    const challenges = parseWwwAuthenticate('Basic realm="a", Bearer realm="b"');
    assert.equal(preferredChallenge(challenges)?.scheme, 'bearer');
    assert.equal(preferredChallenge(parseWwwAuthenticate('Negotiate'))?.scheme, undefined);
  });
});
