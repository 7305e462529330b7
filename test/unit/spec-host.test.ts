import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { hasEffectiveCapability, parseProcLimits } from '../../src/spec/host.js';
import { parseSecurityOpts } from '../../src/spec/security-opts.js';
import { processRlimits } from '../../src/spec/ulimits.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max processes             96364                96364                processes
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
`;

describe('host facts', () => {
  it('reads hard limits from /proc/self/limits', () => {
    assert.deepEqual(parseProcLimits(LIMITS), { RLIMIT_NPROC: 96364, RLIMIT_NOFILE: 20000 });
    assert.deepEqual(parseProcLimits(LIMITS.replace('96364                processes', 'unlimited            processes')), { RLIMIT_NOFILE: 20000 });
  });
  it('reads effective capabilities from /proc/self/status', () => {
    const status = 'Name:\tnode\nCapEff:\t000001fffeffffff\n';
    assert.equal(hasEffectiveCapability('CAP_SYS_RESOURCE', status), false);
    assert.equal(hasEffectiveCapability('CAP_SYS_ADMIN', status), true);
    assert.equal(hasEffectiveCapability('CAP_CHECKPOINT_RESTORE', status), true);
    assert.equal(hasEffectiveCapability('CAP_CHOWN', 'no such line'), false);
  });
  it('lowers default rlimits to the ceiling, never an explicit --ulimit', () => {
    const ceilings = { RLIMIT_NOFILE: 20000 };
    assert.deepEqual(processRlimits([], ceilings), [
      { type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 },
      { type: 'RLIMIT_NPROC', soft: 1048576, hard: 1048576 },
    ]);
    assert.deepEqual(processRlimits([{ type: 'RLIMIT_NOFILE', soft: 30000, hard: 30000 }], ceilings)[0], { type: 'RLIMIT_NOFILE', soft: 30000, hard: 30000 });
  });
});

describe('--security-opt', () => {
  it('understands no-new-privileges and seccomp=unconfined', () => {
    assert.deepEqual(parseSecurityOpts([]), { noNewPrivileges: false, seccomp: 'default' });
    assert.deepEqual(parseSecurityOpts(['no-new-privileges']), { noNewPrivileges: true, seccomp: 'default' });
    assert.deepEqual(parseSecurityOpts(['no-new-privileges=true', 'no-new-privileges:false']), { noNewPrivileges: false, seccomp: 'default' });
    assert.deepEqual(parseSecurityOpts(['seccomp=unconfined', 'label=disable', 'apparmor=unconfined']), { noNewPrivileges: false, seccomp: 'unconfined' });
  });
  it('refuses what it would otherwise silently ignore', () => {
    for (const value of ['seccomp=/etc/profile.json', 'label=type:svirt_t', 'apparmor=my-profile', 'no-new-privileges=maybe', 'bogus']) {
      assert.throws(() => parseSecurityOpts([value]), (err: unknown) => err instanceof InvalidArgumentError && err.message.includes(JSON.stringify(value)), value);
    }
  });
});
