import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { DEFAULT_PATH, mergeEnv, parseEnvFile, parseEnvFlags } from '../../src/spec/env.js';

const hostEnv = { FROM_HOST: 'h', APP_ONE: '1', APP_TWO: '2', OTHER: 'x' };

describe('parseEnvFlags (-e)', () => {
  it('keeps KEY=VALUE verbatim, values may contain = and be empty', () => {
    assert.deepEqual(parseEnvFlags(['A=1', 'B=x=y', 'C='], hostEnv), ['A=1', 'B=x=y', 'C=']);
  });
  it('copies a bare KEY from the host, dropping it when unset', () => {
    assert.deepEqual(parseEnvFlags(['FROM_HOST', 'NOT_SET'], hostEnv), ['FROM_HOST=h']);
  });
  it('copies PREFIX* from the host', () => {
    assert.deepEqual(parseEnvFlags(['APP_*'], hostEnv), ['APP_ONE=1', 'APP_TWO=2']);
  });
  it('refuses empty names, whitespace and inner stars, naming the input', () => {
    assert.throws(() => parseEnvFlags(['=v'], hostEnv), { message: 'invalid environment variable "=v": the name is empty' });
    assert.throws(() => parseEnvFlags(['A B=1'], hostEnv), InvalidArgumentError);
    assert.throws(() => parseEnvFlags(['A*B'], hostEnv), /only a trailing \*/);
  });
});

describe('parseEnvFile (--env-file)', () => {
  it('skips blanks and comments, resolves bare names, keeps values verbatim', () => {
    const text = '# comment\n\nA=1\n  B="quoted"\r\nFROM_HOST\nMISSING\n';
    assert.deepEqual(parseEnvFile(text, 'app.env', hostEnv), ['A=1', 'B="quoted"', 'FROM_HOST=h']);
  });
  it('names the file and line in errors', () => {
    assert.throws(() => parseEnvFile('A=1\n=2\n', 'app.env', hostEnv), { message: 'invalid environment variable "app.env:2": the name is empty' });
  });
});

describe('mergeEnv', () => {
  it('adds PATH, container, HOSTNAME and HOME when the image lacks them', () => {
    assert.deepEqual(mergeEnv([], { tty: false, hostname: 'web', home: '/root' }, []), [
      `PATH=${DEFAULT_PATH}`,
      'container=tpod',
      'HOSTNAME=web',
      'HOME=/root',
    ]);
  });
  it('keeps the image values and order, adds TERM with a terminal', () => {
    const env = mergeEnv(['PATH=/bin', 'LANG=C', 'HOME=/srv'], { tty: true, hostname: 'h' }, []);
    assert.deepEqual(env, ['PATH=/bin', 'LANG=C', 'HOME=/srv', 'container=tpod', 'TERM=xterm', 'HOSTNAME=h']);
  });
  it('lets -e override by key in place and append new keys', () => {
    const env = mergeEnv(['PATH=/bin', 'LANG=C'], { tty: false }, ['LANG=de_DE.UTF-8', 'NEW=1', 'container=other', 'HOME=/x']);
    assert.deepEqual(env, ['PATH=/bin', 'LANG=de_DE.UTF-8', 'container=other', 'HOME=/x', 'NEW=1']);
  });
  it('defaults HOME to / without a passwd entry', () => {
    assert.ok(mergeEnv([], { tty: false }, []).includes('HOME=/'));
  });
  it('refuses unresolved entries', () => {
    assert.throws(() => mergeEnv([], { tty: false }, ['NAME']), InvalidArgumentError);
  });
});
