// What tpod reads from the runtime's own `--log` (JSON lines) after a foreground `runc run`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLogOptions, lastLoggedError } from '../../src/runtime/oci-runtime.js';

describe('the runtime log (--log-format json)', () => {
  it('gives the last error, skipping warnings and lines that are not JSON', () => {
    const log = [
      '{"level":"warning","msg":"cgroup v1 is deprecated","time":"2026-12-08T00:00:00Z"}',
      '{"level":"error","msg":"first","time":"2026-12-08T00:00:00Z"}',
      'not json',
      '{"level":"error","msg":"runc run failed: exec: \\"nosuch\\": executable file not found in $PATH","time":"2026-12-08T00:00:01Z"}',
      '',
    ].join('\n');
    assert.equal(lastLoggedError(log), 'runc run failed: exec: "nosuch": executable file not found in $PATH');
  });

  it('gives nothing when only warnings, odd entries or nothing were logged', () => {
    assert.equal(lastLoggedError(''), undefined);
    assert.equal(lastLoggedError('{"level":"warning","msg":"w"}\n{"level":"error"}\n{"level":"error","msg":7}\n'), undefined);
  });

  it('asks for that log with the options runc and crun both take', () => {
    assert.deepEqual(jsonLogOptions('/run/tpod/x/runtime.log'), ['--log', '/run/tpod/x/runtime.log', '--log-format', 'json']);
  });
});
