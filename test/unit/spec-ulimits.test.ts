import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { DEFAULT_RLIMIT, parseUlimit, processRlimits, RLIM_INFINITY } from '../../src/spec/ulimits.js';

describe('--ulimit', () => {
  it('parses soft:hard, soft alone and -1', () => {
    assert.deepEqual(parseUlimit('nofile=1024:2048'), { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 });
    assert.deepEqual(parseUlimit('nproc=512'), { type: 'RLIMIT_NPROC', soft: 512, hard: 512 });
    assert.deepEqual(parseUlimit('core=-1'), { type: 'RLIMIT_CORE', soft: -1, hard: -1 });
    assert.deepEqual(parseUlimit('core=0:-1'), { type: 'RLIMIT_CORE', soft: 0, hard: -1 });
    assert.deepEqual(parseUlimit('MEMLOCK=1'), { type: 'RLIMIT_MEMLOCK', soft: 1, hard: 1 });
  });
  const bad: Array<[string, RegExp]> = [
    ['nofile', /invalid ulimit "nofile": expected name=soft\[:hard\]/],
    ['files=1', /invalid ulimit "files=1": unknown resource "files"/],
    ['nofile=abc', /invalid ulimit "nofile=abc": "abc" is not a number or -1/],
    ['nofile=2048:1024', /invalid ulimit "nofile=2048:1024": soft limit 2048 is greater than hard limit 1024/],
    ['nofile=-1:1024', /soft limit -1 is greater than hard limit 1024/],
    ['nofile=1:2:3', /expected name=soft\[:hard\]/],
    ['nofile=-2', /"-2" is not a number or -1/],
    ['nofile=', /"" is not a number/],
    ['nofile=99999999999999999999', /too large/],
  ];
  for (const [value, message] of bad) {
    it(`refuses ${value}, naming it`, () => {
      assert.throws(() => parseUlimit(value), (err: unknown) => err instanceof InvalidArgumentError && message.test(err.message));
    });
  }
  it('defaults NOFILE and NPROC to 1048576 and lets flags replace them', () => {
    assert.deepEqual(processRlimits([]), [
      { type: 'RLIMIT_NOFILE', soft: DEFAULT_RLIMIT, hard: DEFAULT_RLIMIT },
      { type: 'RLIMIT_NPROC', soft: DEFAULT_RLIMIT, hard: DEFAULT_RLIMIT },
    ]);
    const limits = processRlimits([parseUlimit('nofile=1024:2048'), parseUlimit('core=-1')]);
    assert.deepEqual(limits, [
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 },
      { type: 'RLIMIT_NPROC', soft: DEFAULT_RLIMIT, hard: DEFAULT_RLIMIT },
      { type: 'RLIMIT_CORE', soft: RLIM_INFINITY, hard: RLIM_INFINITY },
    ]);
    assert.equal(RLIM_INFINITY, 18446744073709551615n);
  });
});
