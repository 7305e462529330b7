import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CorruptError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
} from '../../src/errors.js';
import { describeStatus, parseErrorBody, registryResponseError } from '../../src/registry/response-errors.js';

const context = { host: '127.0.0.1:5000', subject: 'manifest 127.0.0.1:5000/library/busybox:latest', hadCredentials: true };
const body = (code: string, message: string): string => JSON.stringify({ errors: [{ code, message, detail: { x: 1 } }] });

describe('registry error bodies', () => {
  it('reads the distribution spec error list', () => {
    assert.deepEqual(parseErrorBody(body('MANIFEST_UNKNOWN', 'manifest unknown')), [
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
    ]);
    assert.deepEqual(parseErrorBody('{"errors":[{"code":"DENIED"}]}'), [{ code: 'DENIED', message: 'denied' }]);
    assert.deepEqual(parseErrorBody('not json'), []);
    assert.deepEqual(parseErrorBody('null'), []);
  });

  it('describes a status in one bounded line, without HTML', () => {
    assert.equal(describeStatus(404, 'Not Found', body('NAME_UNKNOWN', 'repository name not known')), '404 Not Found: repository name not known');
    assert.equal(describeStatus(502, 'Bad Gateway', '<html><body>nginx</body></html>'), '502 Bad Gateway');
    assert.equal(describeStatus(500, '', 'line one\nline two'), '500: line one line two');
    assert.ok(describeStatus(500, 'x', 'y'.repeat(5000)).length <= 300);
  });
});

describe('registryResponseError', () => {
  it('maps statuses and codes to kinds', () => {
    const cases: [number, string, new (...args: never[]) => Error, RegExp][] = [
      [401, body('UNAUTHORIZED', 'authentication required'), PermissionDeniedError, /^authentication to 127\.0\.0\.1:5000 failed: 401 Unauthorized: authentication required$/],
      [403, body('DENIED', 'requested access to the resource is denied'), PermissionDeniedError, /^access to manifest .* denied: 403/],
      [404, body('MANIFEST_UNKNOWN', 'manifest unknown'), NotFoundError, /^manifest 127\.0\.0\.1:5000\/library\/busybox:latest not found: 404 Not Found: manifest unknown$/],
      [400, body('DIGEST_INVALID', 'provided digest did not match uploaded content'), CorruptError, /rejected by 127\.0\.0\.1:5000/],
      [400, body('MANIFEST_INVALID', 'manifest invalid'), InvalidArgumentError, /refused by 127\.0\.0\.1:5000: 400 Bad Request: manifest invalid/],
      [429, body('TOOMANYREQUESTS', 'rate limit'), UnavailableError, /^registry 127\.0\.0\.1:5000 cannot serve/],
      [503, '', UnavailableError, /503 Service Unavailable$/],
    ];
    const texts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };
    for (const [status, text, kind, pattern] of cases) {
      const err = registryResponseError(status, texts[status] ?? '', text, context);
      assert.ok(err instanceof kind, `${status} → ${err.name}`);
      assert.match(err.message, pattern);
    }
  });

  it('hints at login depending on whether credentials were sent', () => {
    assert.match(registryResponseError(401, 'Unauthorized', '', context).hint ?? '', /check the credentials/);
    assert.match(registryResponseError(401, 'Unauthorized', '', { ...context, hadCredentials: false }).hint ?? '', /log in first/);
  });
});
