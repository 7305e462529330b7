// auth.json as containers-auth.json(5) describes it: locations, parsing, lookup order and
// Docker's legacy keys, atomic 0600 writes.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  authFilePath,
  authLookupPaths,
  candidateKeys,
  credentialsFor,
  decodeEntry,
  encodeAuth,
  findCredentials,
  normalizeAuthKey,
  parseAuthFile,
  parseLoginTarget,
  readAuthFile,
  writeAuthFile,
} from '../../src/auth/auth-file.js';
import { CorruptError, InvalidArgumentError } from '../../src/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'tpod-auth-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('auth.json locations', () => {
  it('rootless: XDG_RUNTIME_DIR/containers/auth.json; root: /run/containers/0', () => {
    assert.deepEqual(authFilePath({}, { env: { XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000 }), {
      path: '/run/user/1000/containers/auth.json',
      userSpecified: false,
    });
    assert.equal(authFilePath({}, { env: { XDG_RUNTIME_DIR: '/run/user/0' }, uid: 0 }).path, '/run/containers/0/auth.json');
    assert.equal(authFilePath({}, { env: {}, uid: 1000 }).path, '/run/containers/1000/auth.json');
  });

  it('--authfile wins over REGISTRY_AUTH_FILE, which wins over the default', () => {
    const environment = { env: { REGISTRY_AUTH_FILE: '/env/auth.json', XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000 };
    assert.deepEqual(authFilePath({ authFile: '/flag/auth.json' }, environment), { path: '/flag/auth.json', userSpecified: true });
    assert.deepEqual(authFilePath({}, environment), { path: '/env/auth.json', userSpecified: true });
  });

  it('looks up the default, then $XDG_CONFIG_HOME/containers, then Docker; a named file only', () => {
    const environment = { env: { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000 };
    assert.deepEqual(authLookupPaths({}, environment), [
      '/run/user/1000/containers/auth.json',
      '/home/u/.config/containers/auth.json',
      '/home/u/.docker/config.json',
    ]);
    assert.deepEqual(authLookupPaths({}, { env: { ...environment.env, DOCKER_CONFIG: '/dc' }, uid: 1000 }).at(-1), '/dc/config.json');
    assert.deepEqual(authLookupPaths({ authFile: '/x.json' }, environment), ['/x.json']);
  });
});

describe('auth.json content', () => {
  it('decodes user:password, keeping colons in the password', () => {
    assert.deepEqual(decodeEntry({ auth: b64('alice:pa:ss') }), { username: 'alice', password: 'pa:ss' });
    assert.equal(decodeEntry({ auth: '' }), undefined);
    assert.equal(decodeEntry({ auth: b64('nocolon') }), undefined);
    assert.deepEqual(decodeEntry({ auth: '', identitytoken: 'tok' }), { username: '<token>', password: '', identityToken: 'tok' });
    assert.equal(encodeAuth({ username: 'alice', password: 's3cret' }), b64('alice:s3cret'));
  });

  it('refuses damaged files in one line, reads an empty one as no credentials', () => {
    assert.throws(() => parseAuthFile('{', 'x.json'), (err: unknown) => err instanceof CorruptError && /x\.json is not valid JSON/.test(err.message));
    assert.throws(() => parseAuthFile('{"auths": []}', 'x.json'), CorruptError);
    assert.deepEqual(parseAuthFile('', 'x.json'), { auths: {} });
    assert.deepEqual(parseAuthFile('{"credHelpers": {"a": "b"}}', 'x.json'), { credHelpers: { a: 'b' }, auths: {} });
  });

  it('normalizes Docker keys: scheme, /v1/, index.docker.io', () => {
    assert.equal(normalizeAuthKey('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(normalizeAuthKey('http://quay.io/'), 'quay.io');
    assert.equal(normalizeAuthKey('quay.io/team'), 'quay.io/team');
    assert.equal(normalizeAuthKey('127.0.0.1:5000'), '127.0.0.1:5000');
  });

  it('prefers the most specific namespace key, then the host', () => {
    assert.deepEqual(candidateKeys('quay.io', 'a/b/c'), ['quay.io/a/b/c', 'quay.io/a/b', 'quay.io/a', 'quay.io']);
    const file = {
      auths: {
        'quay.io': { auth: b64('host:1') },
        'quay.io/team': { auth: b64('team:2') },
        'https://index.docker.io/v1/': { auth: b64('hub:3') },
      },
    };
    assert.equal(findCredentials(file, 'quay.io', 'team/app')?.username, 'team');
    assert.equal(findCredentials(file, 'quay.io', 'other/app')?.username, 'host');
    assert.equal(findCredentials(file, 'docker.io', 'library/busybox')?.username, 'hub');
    assert.equal(findCredentials(file, 'ghcr.io', 'x'), undefined);
  });

  it('parses login targets: a scheme dropped, a namespace kept, an image refused', () => {
    assert.deepEqual(parseLoginTarget('https://quay.io/'), { key: 'quay.io', host: 'quay.io' });
    assert.deepEqual(parseLoginTarget('quay.io/team'), { key: 'quay.io/team', host: 'quay.io' });
    assert.deepEqual(parseLoginTarget('127.0.0.1:5000'), { key: '127.0.0.1:5000', host: '127.0.0.1:5000' });
    assert.throws(() => parseLoginTarget('quay.io/team/app:v1'), InvalidArgumentError);
    assert.throws(() => parseLoginTarget(''), InvalidArgumentError);
  });
});

describe('auth.json files', () => {
  it('writes atomically with mode 0600 and keeps fields it does not know', () => {
    const path = join(scratch, 'new', 'dir', 'auth.json');
    writeAuthFile(path, { auths: { 'quay.io': { auth: b64('a:b') } }, credHelpers: { 'x.io': 'pass' } });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(scratch, 'new', 'dir')), ['auth.json']);
    const file = readAuthFile(path);
    assert.deepEqual(file.credHelpers, { 'x.io': 'pass' });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).auths, { 'quay.io': { auth: b64('a:b') } });
    assert.deepEqual(readAuthFile(join(scratch, 'missing.json')), { auths: {} });
  });

  it('credentialsFor reads the named file only', () => {
    const path = join(scratch, 'lookup.json');
    writeFileSync(path, JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('bob:pw') } } }));
    assert.deepEqual(credentialsFor('127.0.0.1:5000', 'library/busybox', { authFile: path }), { username: 'bob', password: 'pw' });
    assert.equal(credentialsFor('127.0.0.1:5001', undefined, { authFile: path }), undefined);
  });

  it('credentialsFor falls back to ~/.docker/config.json', () => {
    const home = join(scratch, 'home');
    mkdirSync(join(home, '.docker'), { recursive: true });
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'https://registry.example.com': { auth: b64('dock:er') } } }));
    const saved = { ...process.env };
    try {
      process.env.HOME = home;
      process.env.XDG_RUNTIME_DIR = join(scratch, 'run');
      process.env.XDG_CONFIG_HOME = join(scratch, 'config');
      delete process.env.REGISTRY_AUTH_FILE;
      delete process.env.DOCKER_CONFIG;
      // Root's default file is /run/containers/0/auth.json: only assert when it is absent.
      const primary = authLookupPaths()[0]!;
      if (Object.keys(readAuthFile(primary).auths).length === 0) {
        assert.deepEqual(credentialsFor('registry.example.com', 'x/y'), { username: 'dock', password: 'er' });
      }
    } finally {
      process.env = saved;
    }
  });
});
