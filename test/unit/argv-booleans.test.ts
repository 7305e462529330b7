import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeBooleanValues } from '../../cli/argv.js';

describe('boolean flags with =true/=false (pflag style)', () => {
  const flags = {
    'tls-verify': { type: 'boolean' as const, allowNo: true },
    quiet: { type: 'boolean' as const, char: 'q', allowNo: false },
    creds: { type: 'option' as const },
  };
  it('rewrites to --name, --no-name, or nothing', () => {
    assert.deepEqual(normalizeBooleanValues(['--tls-verify=false', 'img'], flags), ['--no-tls-verify', 'img']);
    assert.deepEqual(normalizeBooleanValues(['--tls-verify=TRUE', '--quiet=false', '--quiet=true'], flags), ['--tls-verify', '--quiet']);
  });
  it('leaves value flags, unknown flags and words after -- alone', () => {
    assert.deepEqual(normalizeBooleanValues(['--creds=false', '--other=false'], flags), ['--creds=false', '--other=false']);
    assert.deepEqual(normalizeBooleanValues(['img', '--', '--tls-verify=false'], flags), ['img', '--', '--tls-verify=false']);
  });
});
