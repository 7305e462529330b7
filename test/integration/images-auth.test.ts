// `tpod login` / `logout` against a registry with Basic auth (htpasswd), and pull/push
// using what login stored: the auth.json podman reads and writes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAuthRegistry, type Registry } from '../helpers/registry.js';
import { runTpod, tempDir, tempStore, tpodOk } from '../helpers/tpod.js';

describe('tpod login and logout', () => {
  let registry: Registry;
  const dir = tempDir();
  const store = tempStore();
  const authFile = join(dir.path, 'auth', 'auth.json');
  // A private HOME and auth file: nothing of the host's credentials is read or written.
  const env = { REGISTRY_AUTH_FILE: authFile, HOME: join(dir.path, 'home'), XDG_CONFIG_HOME: join(dir.path, 'config') };
  const tpod = (args: string[], input?: string) => runTpod(args, { store, env, ...(input !== undefined ? { input } : {}) });
  const busybox = () => `${registry.host}/library/busybox`;

  before(async () => {
    registry = await startAuthRegistry(dir.path, 'alice', 's3cret');
  });
  after(async () => {
    await registry?.stop();
    store.remove();
    dir.remove();
  });

  it('refuses a wrong password in one line and writes nothing', async () => {
    const result = await tpod(['login', '-u', 'alice', '-p', 'wrong', registry.host]);
    assert.equal(result.code, 125);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^Error: logging into ".*": invalid username\/password$/m);
    assert.equal(existsSync(authFile), false);
  });

  it('pull without credentials fails before login', async () => {
    const result = await tpod(['pull', '-q', busybox()]);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /authentication to .* failed: 401/);
  });

  it('stores verified credentials in auth.json, mode 0600', async () => {
    const result = await tpod(['login', '-u', 'alice', '-p', 's3cret', registry.host]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Login Succeeded!\n');
    assert.equal(statSync(authFile).mode & 0o777, 0o600);
    const file = JSON.parse(readFileSync(authFile, 'utf8'));
    assert.deepEqual(file.auths, { [registry.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } });
  });

  it('pull uses the stored credentials when --creds is not given', async () => {
    const result = await tpod(['pull', '-q', busybox()]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[a-f0-9]{64}\n$/);
  });

  it('push uses them too', async () => {
    const result = await tpod(['push', '-q', busybox(), `${registry.host}/alice/busybox:pushed`]);
    assert.equal(result.code, 0, result.stderr);
  });

  it('says so when existing credentials are still valid; --get-login prints the user', async () => {
    const again = await tpod(['login', registry.host]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Already logged in to/);
    assert.equal((await tpod(['login', '--get-login', registry.host])).stdout, 'alice\n');
  });

  it('reads the password from stdin with --password-stdin, and --authfile picks the file', async () => {
    const other = join(dir.path, 'other.json');
    const result = await runTpod(['login', '--authfile', other, '-u', 'alice', '--password-stdin', registry.host], { store, env, input: 's3cret\n' });
    assert.equal(result.code, 0, result.stderr);
    const stored = JSON.parse(readFileSync(other, 'utf8')).auths[registry.host].auth;
    assert.equal(Buffer.from(stored, 'base64').toString(), 'alice:s3cret');
    const own = tempStore();
    try {
      const pulled = await runTpod(['pull', '-q', '--authfile', other, busybox()], { store: own, env: { ...env, REGISTRY_AUTH_FILE: join(dir.path, 'none.json') } });
      assert.equal(pulled.code, 0, pulled.stderr);
    } finally {
      own.remove();
    }
  });

  it('falls back to ~/.docker/config.json when no auth.json has the registry', async () => {
    const home = join(dir.path, 'dockerhome');
    const own = tempStore();
    try {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(home, '.docker'), { recursive: true });
      writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
      // No REGISTRY_AUTH_FILE: the default auth.json (in a private XDG_RUNTIME_DIR) is empty.
      const result = await runTpod(['pull', '-q', busybox()], {
        store: own,
        env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_RUNTIME_DIR: join(home, 'run'), REGISTRY_AUTH_FILE: undefined },
      });
      if (process.getuid?.() === 0 && existsSync('/run/containers/0/auth.json')) return; // root's own file would be read first
      assert.equal(result.code, 0, result.stderr);
    } finally {
      own.remove();
    }
  });

  it('logout removes the entry; a second logout says it is not logged in', async () => {
    const result = await tpod(['logout', registry.host]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `Removed login credentials for ${registry.host}\n`);
    assert.deepEqual(JSON.parse(readFileSync(authFile, 'utf8')).auths, {});
    const again = await tpod(['logout', registry.host]);
    assert.equal(again.code, 125);
    assert.match(again.stderr, new RegExp(`^Error: not logged into ${registry.host.replace(/\./g, '\\.')}$`, 'm'));
    const own = tempStore();
    try {
      const pulled = await runTpod(['pull', '-q', busybox()], { store: own, env });
      assert.equal(pulled.code, 125);
    } finally {
      own.remove();
    }
  });

  it('logout --all empties the file', async () => {
    await tpodOk(['login', '-u', 'alice', '-p', 's3cret', registry.host], { store, env });
    const result = await tpod(['logout', '--all']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Removed login credentials for all registries\n');
    assert.deepEqual(JSON.parse(readFileSync(authFile, 'utf8')).auths, {});
  });

  it('refuses to prompt when stdin is not a terminal', async () => {
    const result = await tpod(['login', registry.host]);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /cannot prompt for credentials/);
  });
});
