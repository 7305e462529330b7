import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyNetworkError, isPlainHttpResponse } from '../../src/registry/network-errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, isTransientStatus, parseRetryAfter } from '../../src/registry/retry.js';

function errnoError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('backoffDelay', () => {
  const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it('doubles per retry, with half of it jittered', () => {
    assert.equal(backoffDelay(policy, 0, undefined, () => 0), 50);
    assert.equal(backoffDelay(policy, 0, undefined, () => 1), 100);
    assert.equal(backoffDelay(policy, 2, undefined, () => 1), 400);
  });

  it('never exceeds the ceiling, even when Retry-After asks for more', () => {
    assert.equal(backoffDelay(policy, 10, undefined, () => 1), 1000);
    assert.equal(backoffDelay(policy, 0, 60_000, () => 0), 1000);
  });

  it('waits at least what Retry-After asks, up to the ceiling', () => {
    assert.equal(backoffDelay(policy, 0, 700, () => 0), 700);
  });

  it('has sane defaults', () => {
    assert.ok(DEFAULT_RETRY_POLICY.maxRetries >= 3);
    assert.ok(DEFAULT_RETRY_POLICY.maxDelayMs <= 30_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now), 0);
  });

  it('ignores what it cannot read', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(['5', '9']), 5000);
  });
});

describe('isTransientStatus', () => {
  it('retries overload and gateway statuses, not client errors', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) assert.ok(isTransientStatus(status), String(status));
    for (const status of [200, 400, 401, 403, 404, 416, 501]) assert.ok(!isTransientStatus(status), String(status));
  });
});

describe('classifyNetworkError', () => {
  it('fails fast on refused connections and unknown hosts', () => {
    assert.deepEqual(classifyNetworkError(errnoError('ECONNREFUSED')), {
      reason: 'connection refused',
      transient: false,
      tls: false,
      code: 'ECONNREFUSED',
    });
    assert.equal(classifyNetworkError(errnoError('ENOTFOUND'))?.reason, 'no such host');
  });

  it('retries resets, closed sockets and timeouts', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'EPIPE']) {
      assert.equal(classifyNetworkError(errnoError(code))?.transient, true, code);
    }
  });

  it('finds the code inside causes and AggregateErrors (happy eyeballs)', () => {
    const aggregate = new AggregateError([errnoError('ECONNREFUSED'), errnoError('ECONNREFUSED')], 'all failed');
    assert.equal(classifyNetworkError(new Error('fetch failed', { cause: aggregate }))?.reason, 'connection refused');
  });

  it('describes TLS failures with the short OpenSSL reason', () => {
    const selfSigned = classifyNetworkError(errnoError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'));
    assert.deepEqual(selfSigned, {
      reason: 'TLS handshake failed: self-signed certificate',
      transient: false,
      tls: true,
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    const plain = classifyNetworkError(
      errnoError('ERR_SSL_WRONG_VERSION_NUMBER', 'C0D7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number\n'),
    );
    assert.equal(plain?.reason, 'TLS handshake failed: wrong version number');
    assert.ok(plain && isPlainHttpResponse(plain));
  });

  it('leaves other errors alone', () => {
    assert.equal(classifyNetworkError(new TypeError('bug')), undefined);
    assert.equal(classifyNetworkError('string'), undefined);
  });
});
