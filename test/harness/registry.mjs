// A throw-away local registry for tests: Debian's docker-registry (the CNCF distribution
// registry 2.8) on a free 127.0.0.1 port, storing in a directory the caller owns.
//
//   const reg = await startRegistry({ dir });                 // anonymous push and pull
//   const reg = await startRegistry({ dir, auth: { htpasswd: file, username, password } });
//   await pushFixtures(reg, '.cache/fixtures');               // busybox, multilayer, ...
//   await reg.stop();                                          // kills only its own PID
//
// Token auth (an RS256 JWT issuer beside docker-registry) is set up by its own test,
// test/integration/registry-client.test.ts, with a config of its own.
//
// Types for TypeScript callers: registry.d.mts beside this file; test/helpers/registry.ts
// loads this module from compiled tests.
import { spawn, execFile } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const REGISTRY_BIN = '/usr/bin/docker-registry';
const READY_TIMEOUT_MS = 10_000;

/** Every registry started by this process, killed on exit if the caller forgot stop(). */
const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});

/** A port that was free a moment ago (bind port 0, read it, close). */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolvePort(port));
    });
  });
}

/** Append a bcrypt user line to an htpasswd file (the registry accepts bcrypt only). */
export async function addHtpasswdUser(file, username, password) {
  const { stdout } = await execFileP('htpasswd', ['-Bbn', username, password]);
  appendFileSync(file, `${stdout.trim()}\n`);
  return file;
}

function configYaml({ dir, port, auth }) {
  // JSON strings are valid YAML scalars: quoting every value keeps paths with odd
  // characters safe.
  const q = (s) => JSON.stringify(String(s));
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  fields:',
    '    service: tpod-test-registry',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(join(dir, 'storage'))}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${q(`127.0.0.1:${port}`)}`,
    `  secret: ${q(randomBytes(16).toString('hex'))}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  if (auth?.htpasswd) {
    // The registry starts happily without the file and then refuses every login.
    if (!existsSync(auth.htpasswd)) throw new Error(`startRegistry: htpasswd file ${auth.htpasswd} does not exist`);
    lines.push('auth:', '  htpasswd:', '    realm: "tpod-test"', `    path: ${q(resolve(auth.htpasswd))}`);
  } else if (auth && Object.keys(auth).length > 0) {
    throw new Error(`startRegistry: unknown auth option ${JSON.stringify(Object.keys(auth))}`);
  }
  return `${lines.join('\n')}\n`;
}

function tail(file, bytes = 4000) {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > bytes ? `...${text.slice(-bytes)}` : text;
  } catch {
    return '(no log)';
  }
}

async function startOnce({ dir, auth }) {
  const port = await freePort();
  const config = join(dir, 'config.yml');
  const log = join(dir, 'registry.log');
  writeFileSync(config, configYaml({ dir, port, auth }));
  // The registry logs to stderr; a file outlives us and never fills a pipe nobody reads.
  const fd = openSync(log, 'a');
  // REGISTRY_* variables override the config file: never inherit the caller's.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  let child;
  try {
    child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', fd, fd], env });
  } finally {
    closeSync(fd);
  }
  child.unref();
  live.add(child);
  let exited = null;
  const exitedP = new Promise((res) => child.once('exit', (code, signal) => { exited = { code, signal }; live.delete(child); res(exited); }));
  child.once('error', (err) => { exited = { code: null, signal: null, error: err }; live.delete(child); });

  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const stop = async () => {
    if (exited) return;
    try { process.kill(child.pid, 'SIGTERM'); } catch { return; }
    const timer = new Promise((res) => setTimeout(res, 5000, 'timeout'));
    if ((await Promise.race([exitedP, timer])) === 'timeout') {
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      await exitedP;
    }
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      const why = exited.error ? exited.error.message : `exit code ${exited.code}, signal ${exited.signal}`;
      return { failed: `docker-registry exited during start-up (${why})`, log, retry: /address already in use/.test(tail(log)) };
    }
    try {
      // Any HTTP answer means it serves: 200 anonymous, 401 with auth.
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) {
        return { registry: { host, url, port, pid: child.pid, dir, config, log, stop } };
      }
    } catch {
      // not listening yet
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  await stop();
  return { failed: `docker-registry did not answer GET ${url}/v2/ within ${READY_TIMEOUT_MS / 1000} s`, log, retry: false };
}

/**
 * Start a registry storing under `dir` (created if missing; config.yml, registry.log and
 * storage/ go there). `auth.htpasswd`: path of an htpasswd file (bcrypt; see
 * addHtpasswdUser) for Basic auth; `auth.username`/`auth.password` are kept on the result
 * as `creds` for pushFixtures and tests.
 */
export async function startRegistry({ dir, auth } = {}) {
  if (!dir) throw new Error('startRegistry: dir is required');
  dir = resolve(dir);
  mkdirSync(join(dir, 'storage'), { recursive: true });
  let last;
  // The free port can be taken between our probe and the registry's bind: retry then.
  for (let attempt = 0; attempt < 3; attempt++) {
    last = await startOnce({ dir, auth });
    if (last.registry) {
      const reg = last.registry;
      if (auth?.username) reg.creds = { username: auth.username, password: auth.password ?? '' };
      return reg;
    }
    if (!last.retry) break;
  }
  throw new Error(`${last.failed}\n--- ${last.log} ---\n${tail(last.log)}`);
}

/** The fixture images pushed by pushFixtures: repository -> skopeo copy details. */
export const FIXTURE_PUSHES = [
  { repo: 'library/busybox', image: 'busybox', args: [] },
  { repo: 'library/busybox-v2s2', image: 'busybox', args: ['--format', 'v2s2'] },
  { repo: 'library/multilayer', image: 'multilayer', args: [] },
  { repo: 'library/multiarch', image: 'multiarch', args: ['--all'] },
];

/**
 * Push the OCI layout built by test/fixtures/build-images.sh (CACHE/oci) to the registry
 * as HOST/library/NAME:latest with skopeo. Returns { 'library/busybox': 'sha256:...' }
 * (the pushed manifest or index digest per repository).
 */
export async function pushFixtures(registry, cacheDir, { creds = registry.creds } = {}) {
  const layout = join(resolve(cacheDir), 'oci');
  const digests = {};
  // One at a time: they share the busybox layer, and serial uploads keep the registry log
  // readable; the whole set takes about a second.
  for (const { repo, image, args } of FIXTURE_PUSHES) {
    const digestFile = join(registry.dir, `.digest-${repo.replaceAll('/', '_')}`);
    const cmd = [
      '--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', '--digestfile', digestFile,
      ...(creds ? ['--dest-creds', `${creds.username}:${creds.password}`] : []),
      ...args, `oci:${layout}:${image}`, `docker://${registry.host}/${repo}:latest`,
    ];
    try {
      await execFileP('skopeo', cmd, { maxBuffer: 16 << 20 });
    } catch (err) {
      throw new Error(`skopeo ${cmd.join(' ')} failed:\n${err.stderr || err.message}`);
    }
    digests[repo] = readFileSync(digestFile, 'utf8').trim();
  }
  return digests;
}
