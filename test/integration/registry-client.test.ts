/**
 * RegistryClient against the real thing: Debian's docker-registry (distribution 2.8) started
 * by this file on free 127.0.0.1 ports (anonymous, htpasswd, TLS with a throw-away CA, and
 * token auth with an RS256 JWT issuer written here), with a busybox image built by umoci and
 * pushed by skopeo. Failure modes a real registry will not produce on demand (truncated
 * bodies, oversized manifests, 503s, CDN redirects) come from tiny node:http servers.
 *
 * Needs root-free tools only: docker-registry, skopeo, umoci, htpasswd, openssl, busybox.
 * Every process and directory this file creates is removed in `after`.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CorruptError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
} from '../../src/errors.js';
import { DOCKER_MANIFEST, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '../../src/oci/media-types.js';
import type { Descriptor, ImageManifest } from '../../src/oci/types.js';
import { isImageIndex, RegistryClient, type RegistryClientOptions } from '../../src/registry/index.js';
import { runTpod, tempStore } from '../helpers/tpod.js';

const execFileP = promisify(execFile);
const FAST_RETRY = { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20 };

// ---------------------------------------------------------------------------------------
// Helpers: free ports, docker-registry, the busybox image, fake servers.

const workDir = mkdtempSync(join(tmpdir(), 'tpod-registry-test-'));
const children = new Set<ChildProcess>();
const servers = new Set<Server>();
const clients = new Set<RegistryClient>();

/** A port that was free a moment ago: bind port 0, read it, close. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not listen on ${port}: ${log()}`);
}

interface RegistryConfig {
  auth?: string[];
  tls?: { certificate: string; key: string; clientCa?: string };
}

/** Debian's docker-registry on a free port with its own storage; returns `127.0.0.1:PORT`. */
async function startRegistry(name: string, config: RegistryConfig = {}): Promise<string> {
  const dir = join(workDir, name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const q = (s: string): string => JSON.stringify(s);
  const yaml = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(join(dir, 'storage'))}`,
    'http:',
    `  addr: ${q(`127.0.0.1:${port}`)}`,
    ...(config.tls ? ['  tls:', `    certificate: ${q(config.tls.certificate)}`, `    key: ${q(config.tls.key)}`] : []),
    ...(config.tls?.clientCa ? ['    clientcas:', `      - ${q(config.tls.clientCa)}`] : []),
    ...(config.auth ?? []),
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), `${yaml}\n`);
  const child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForPort(port, child, () => stderr);
  return `127.0.0.1:${port}`;
}

/** busybox as an OCI layout: one layer holding /bin/busybox (static) and /bin/sh. */
async function buildBusyboxLayout(): Promise<string> {
  const dir = join(workDir, 'image');
  mkdirSync(dir);
  const layout = join(dir, 'oci');
  const bundle = join(dir, 'bundle');
  await execFileP('umoci', ['init', '--layout', layout]);
  await execFileP('umoci', ['new', '--image', `${layout}:busybox`]);
  await execFileP('umoci', ['unpack', '--image', `${layout}:busybox`, bundle]);
  mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(bundle, 'rootfs', 'bin', 'busybox'));
  symlinkSync('busybox', join(bundle, 'rootfs', 'bin', 'sh'));
  await execFileP('umoci', ['repack', '--image', `${layout}:busybox`, bundle]);
  await execFileP('umoci', ['config', '--image', `${layout}:busybox`, '--config.cmd', 'sh', '--config.env', 'PATH=/bin']);
  return layout;
}

async function skopeoCopy(layout: string, destination: string, extra: string[] = []): Promise<void> {
  await execFileP('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...extra, `oci:${layout}:busybox`, `docker://${destination}`]);
}

/** The layout's manifest for tag busybox, and a reader for its blobs. */
function readLayout(layout: string): { manifest: ImageManifest; manifestBytes: Buffer; blob: (d: string) => Buffer } {
  const blob = (digest: string): Buffer => readFileSync(join(layout, 'blobs', ...digest.split(':')));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const entry = index.manifests.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === 'busybox');
  assert.ok(entry, 'umoci layout has the busybox tag');
  const manifestBytes = blob(entry.digest);
  return { manifest: JSON.parse(manifestBytes.toString('utf8')) as ImageManifest, manifestBytes, blob };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A node:http server on a free port; returns `127.0.0.1:PORT`. */
async function startFakeServer(handler: Handler): Promise<string> {
  const server = createHttpServer(handler);
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return `127.0.0.1:${address.port}`;
}

function client(options: RegistryClientOptions): RegistryClient {
  const created = new RegistryClient({ retry: FAST_RETRY, certDir: join(workDir, 'no-certs'), ...options });
  clients.add(created);
  return created;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function isError(kind: new (...args: never[]) => Error, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  };
}

const BLOB = randomBytes(300_000);
const BLOB_DIGEST = sha256(BLOB);
const BLOB_DESCRIPTOR: Descriptor = { mediaType: 'application/octet-stream', digest: BLOB_DIGEST, size: BLOB.length };

after(async () => {
  await Promise.all([...clients].map((c) => c.close()));
  for (const server of servers) server.closeAllConnections();
  await Promise.all([...servers].map((s) => new Promise((r) => s.close(r))));
  for (const child of children) child.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------

describe('against docker-registry, anonymous', () => {
  let registry = '';
  let layout = '';

  before(async () => {
    [registry, layout] = await Promise.all([startRegistry('anonymous'), buildBusyboxLayout()]);
    await skopeoCopy(layout, `${registry}/library/busybox:latest`);
    await skopeoCopy(layout, `${registry}/library/busybox:v2s2`, ['--format', 'v2s2']);
  });

  it('pings over http after https fails on 127.0.0.1', async () => {
    const result = await client({ host: registry }).ping();
    assert.equal(result.origin, `http://${registry}`);
    assert.deepEqual(result.challenges, []);
  });

  it('gets the OCI manifest by tag, with its sha256 digest', async () => {
    const fetched = await client({ host: registry }).getManifest('library/busybox', 'latest');
    assert.equal(fetched.mediaType, OCI_IMAGE_MANIFEST);
    assert.equal(fetched.digest, sha256(fetched.bytes));
    assert.deepEqual(fetched.bytes, readLayout(layout).manifestBytes, 'skopeo pushed the layout manifest unchanged');
    assert.ok(!isImageIndex(fetched.manifest));
    assert.equal(fetched.manifest.layers.length, 1);
    assert.deepEqual(fetched.descriptor, { mediaType: OCI_IMAGE_MANIFEST, digest: fetched.digest, size: fetched.bytes.length });
  });

  it('gets the same manifest by digest, verified', async () => {
    const registryClient = client({ host: registry });
    const byTag = await registryClient.getManifest('library/busybox', 'latest');
    const byDigest = await registryClient.getManifest('library/busybox', byTag.digest);
    assert.equal(byDigest.digest, byTag.digest);
    assert.deepEqual(byDigest.bytes, byTag.bytes);
    assert.deepEqual(await registryClient.headManifest('library/busybox', 'latest'), byTag.descriptor);
  });

  it('reads the Docker schema2 copy', async () => {
    const fetched = await client({ host: registry }).getManifest('library/busybox', 'v2s2');
    assert.equal(fetched.mediaType, DOCKER_MANIFEST);
    assert.ok(!isImageIndex(fetched.manifest));
    assert.equal(fetched.manifest.config.mediaType, 'application/vnd.docker.container.image.v1+json');
    assert.equal(fetched.digest, sha256(fetched.bytes));
  });

  it('says not found for an unknown tag, digest or repository', async () => {
    const registryClient = client({ host: registry });
    await assert.rejects(
      registryClient.getManifest('library/busybox', 'nope'),
      isError(NotFoundError, /^manifest 127\.0\.0\.1:\d+\/library\/busybox:nope not found: 404 Not Found: manifest unknown/),
    );
    await assert.rejects(registryClient.getManifest('library/busybox', sha256(Buffer.from('x'))), NotFoundError);
    await assert.rejects(registryClient.getManifest('library/none', 'latest'), NotFoundError);
    assert.equal(await registryClient.headManifest('library/busybox', 'nope'), undefined);
  });

  it('fetches blobs that match their digests, several at once', async () => {
    const registryClient = client({ host: registry });
    const { manifest } = await registryClient.getManifest('library/busybox', 'latest');
    assert.ok(!isImageIndex(manifest));
    const descriptors = [manifest.config, ...manifest.layers, manifest.config];
    const contents = await Promise.all(
      descriptors.map(async (descriptor) => {
        const blob = await registryClient.fetchBlob('library/busybox', descriptor);
        assert.equal(blob.descriptor, descriptor);
        return collect(blob.stream);
      }),
    );
    contents.forEach((bytes, i) => {
      assert.equal(sha256(bytes), descriptors[i]!.digest);
      assert.equal(bytes.length, descriptors[i]!.size);
    });
  });

  it('lists tags', async () => {
    const tags = await client({ host: registry }).listTags('library/busybox');
    assert.deepEqual([...tags].sort(), ['latest', 'v2s2']);
  });

  it('pushes blobs (streamed, mounted) and a manifest that skopeo can read back', async () => {
    const registryClient = client({ host: registry });
    const { manifest, manifestBytes, blob } = readLayout(layout);
    const layer = manifest.layers[0]!;
    assert.equal(await registryClient.blobExists('tpod/pushed', layer.digest), false);

    const streamed = await registryClient.uploadBlob('tpod/pushed', layer.digest, layer.size, Readable.from([blob(layer.digest)]));
    assert.deepEqual(streamed, { digest: layer.digest, size: layer.size, mounted: false });
    assert.equal(await registryClient.blobExists('tpod/pushed', layer.digest), true);

    const config = manifest.config;
    const mounted = await registryClient.uploadBlob('tpod/pushed', config.digest, config.size, blob(config.digest), {
      mountFrom: 'library/busybox',
    });
    assert.equal(mounted.mounted, true);
    const fresh = randomBytes(1000);
    const notMountable = await registryClient.uploadBlob('tpod/pushed', sha256(fresh), fresh.length, fresh, {
      mountFrom: 'library/busybox',
    });
    assert.equal(notMountable.mounted, false, 'the registry opened an upload instead');
    assert.equal(await registryClient.blobExists('tpod/pushed', sha256(fresh)), true);

    const digest = await registryClient.putManifest('tpod/pushed', 'v1', manifestBytes, OCI_IMAGE_MANIFEST);
    assert.equal(digest, sha256(manifestBytes));
    const { stdout } = await execFileP('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry}/tpod/pushed:v1`]);
    assert.equal(stdout, manifestBytes.toString('utf8'));
  });

  it('refuses to push a manifest under a digest it does not have', async () => {
    await assert.rejects(
      client({ host: registry }).putManifest('tpod/pushed', sha256(Buffer.from('other')), Buffer.from('{}'), OCI_IMAGE_MANIFEST),
      /do not match that digest/,
    );
  });

  it('pushes an index and reads it back as one', async () => {
    const registryClient = client({ host: registry });
    const { descriptor } = await registryClient.getManifest('library/busybox', 'latest');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_INDEX,
        manifests: [{ ...descriptor, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    );
    await registryClient.putManifest('library/busybox', 'multi', index, OCI_IMAGE_INDEX);
    const fetched = await registryClient.getManifest('library/busybox', 'multi');
    assert.ok(isImageIndex(fetched.manifest));
    assert.equal(fetched.manifest.manifests[0]?.digest, descriptor.digest);
  });
});

describe('against docker-registry with htpasswd (Basic)', () => {
  let registry = '';

  before(async () => {
    const htpasswd = join(workDir, 'htpasswd');
    const { stdout } = await execFileP('htpasswd', ['-Bbn', 'user', 'pass']);
    writeFileSync(htpasswd, stdout);
    registry = await startRegistry('basic', {
      auth: ['auth:', '  htpasswd:', '    realm: tpod-test', `    path: ${JSON.stringify(htpasswd)}`],
    });
    const layout = join(workDir, 'image', 'oci');
    await skopeoCopy(layout, `${registry}/library/busybox:latest`, ['--dest-creds', 'user:pass']);
  });

  it('pulls with the right credentials', async () => {
    const registryClient = client({ host: registry, credentials: { username: 'user', password: 'pass' } });
    const fetched = await registryClient.getManifest('library/busybox', 'latest');
    assert.equal(fetched.mediaType, OCI_IMAGE_MANIFEST);
    assert.equal((await registryClient.ping()).challenges[0]?.scheme, 'basic');
    await registryClient.verifyCredentials();
  });

  it('fails in one line with a wrong password', async () => {
    const registryClient = client({ host: registry, credentials: { username: 'user', password: 'wrong' } });
    const expected = new RegExp(`^authentication to ${registry.replace(/\./g, '\\.')} failed: 401 Unauthorized`);
    await assert.rejects(registryClient.getManifest('library/busybox', 'latest'), isError(PermissionDeniedError, expected));
    await assert.rejects(registryClient.verifyCredentials(), isError(PermissionDeniedError, expected));
  });

  it('fails without credentials, hinting at login', async () => {
    await assert.rejects(client({ host: registry }).getManifest('library/busybox', 'latest'), (err: unknown) => {
      assert.ok(err instanceof PermissionDeniedError);
      assert.match(err.hint ?? '', /tpod login/);
      return true;
    });
  });
});

describe('against docker-registry over TLS', () => {
  let registry = '';
  let certDir = '';

  before(async () => {
    certDir = join(workDir, 'certs.d');
    mkdirSync(certDir);
    await execFileP('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(workDir, 'tls.key'), '-out', join(certDir, 'ca.crt'),
    ]);
    registry = await startRegistry('tls', { tls: { certificate: join(certDir, 'ca.crt'), key: join(workDir, 'tls.key') } });
    await skopeoCopy(join(workDir, 'image', 'oci'), `${registry}/library/busybox:latest`);
  });

  it('trusts the CA from --cert-dir', async () => {
    const registryClient = client({ host: registry, certDir });
    assert.equal((await registryClient.ping()).origin, `https://${registry}`);
    assert.equal((await registryClient.getManifest('library/busybox', 'latest')).mediaType, OCI_IMAGE_MANIFEST);
  });

  it('reports the certificate problem without it', async () => {
    await assert.rejects(
      client({ host: registry }).ping(),
      isError(UnavailableError, /^registry 127\.0\.0\.1:\d+ is not reachable: TLS handshake failed: self[- ]signed certificate/),
    );
  });

  it('tpod pull trusts a CA named by NODE_EXTRA_CA_CERTS, which bin/tpod hands on renamed', async () => {
    const store = tempStore();
    try {
      const trusted = await runTpod(['pull', '-q', `${registry}/library/busybox`], { store, env: { NODE_EXTRA_CA_CERTS: join(certDir, 'ca.crt') } });
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.match(trusted.stdout, /^[0-9a-f]{64}\n$/);
      const untrusted = await runTpod(['pull', '-q', `${registry}/library/busybox:other`], { store, env: { NODE_EXTRA_CA_CERTS: undefined } });
      assert.equal(untrusted.code, 125);
      assert.match(untrusted.stderr, /^Error: registry 127\.0\.0\.1:\d+ is not reachable: TLS handshake failed: self[- ]signed certificate/);
    } finally {
      store.remove();
    }
  });

  it('skips verification when told to', async () => {
    const registryClient = client({ host: registry, tlsVerify: false });
    assert.equal((await registryClient.ping()).origin, `https://${registry}`);
  });

  it('presents client.cert and client.key to a registry that requires them', async () => {
    const clientDir = join(workDir, 'client-certs.d');
    mkdirSync(clientDir);
    copyFileSync(join(certDir, 'ca.crt'), join(clientDir, 'ca.crt'));
    await execFileP('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=tpod-client',
      '-keyout', join(clientDir, 'client.key'), '-out', join(clientDir, 'client.cert'),
    ]);
    const mutual = await startRegistry('mtls', {
      tls: { certificate: join(certDir, 'ca.crt'), key: join(workDir, 'tls.key'), clientCa: join(clientDir, 'client.cert') },
    });
    assert.equal((await client({ host: mutual, certDir: clientDir }).ping()).origin, `https://${mutual}`);
    // Go closes the connection without an alert Node reports: only "not reachable" is certain.
    await assert.rejects(client({ host: mutual, certDir }).ping(), isError(UnavailableError, /^registry 127\.0\.0\.1:\d+ is not reachable: /));
  });
});

describe('against docker-registry with token auth (RS256 JWT issuer)', () => {
  let registry = '';
  let issued = 0;

  before(async () => {
    const key = join(workDir, 'token.key');
    const cert = join(workDir, 'token.crt');
    await execFileP('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=tpod-token', '-keyout', key, '-out', cert]);
    const privateKey = createPrivateKey(readFileSync(key));
    const x5c = new X509Certificate(readFileSync(cert)).raw.toString('base64');
    const tokenServer = await startFakeServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://token');
      if (req.headers.authorization !== `Basic ${Buffer.from('user:pass').toString('base64')}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      issued++;
      const access = url.searchParams.getAll('scope').map((scope) => {
        const [type, name, actions] = scope.split(':');
        return { type, name, actions: (actions ?? '').split(',') };
      });
      const token = jwt(privateKey, x5c, { iss: 'tpod-issuer', aud: 'tpod-registry', sub: 'user', access });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
    });
    registry = await startRegistry('token', {
      auth: [
        'auth:',
        '  token:',
        `    realm: "http://${tokenServer}/token"`,
        '    service: tpod-registry',
        '    issuer: tpod-issuer',
        `    rootcertbundle: ${JSON.stringify(cert)}`,
      ],
    });
    await skopeoCopy(join(workDir, 'image', 'oci'), `${registry}/library/busybox:latest`, ['--dest-creds', 'user:pass']);
  });

  it('gets a token per scope once and pulls and pushes with it', async () => {
    const registryClient = client({ host: registry, credentials: { username: 'user', password: 'pass' } });
    const before = issued;
    const fetched = await registryClient.getManifest('library/busybox', 'latest');
    await registryClient.getManifest('library/busybox', fetched.digest);
    assert.ok(!isImageIndex(fetched.manifest));
    await collect((await registryClient.fetchBlob('library/busybox', fetched.manifest.config)).stream);
    assert.equal(issued - before, 1, 'one pull token, cached for the repository');
    await registryClient.putManifest('library/busybox', 'again', fetched.bytes, fetched.mediaType);
    assert.equal(issued - before, 2, 'a second token for pull,push');
    await registryClient.verifyCredentials();
  });

  it('fails in one line with wrong credentials', async () => {
    const registryClient = client({ host: registry, credentials: { username: 'user', password: 'wrong' } });
    await assert.rejects(
      registryClient.getManifest('library/busybox', 'latest'),
      isError(PermissionDeniedError, /^authentication to 127\.0\.0\.1:\d+ failed: 401 Unauthorized/),
    );
  });
});

/** A compact JWS (RFC 7515) signed RS256, the form distribution's token auth verifies. */
function jwt(key: ReturnType<typeof createPrivateKey>, x5c: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ typ: 'JWT', alg: 'RS256', x5c: [x5c] });
  const payload = encode({ ...claims, iat: now, nbf: now - 10, exp: now + 300, jti: randomBytes(8).toString('hex') });
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

describe('failure modes', () => {
  it('reports an unreachable registry in one line', async () => {
    const port = await freePort();
    await assert.rejects(
      client({ host: `127.0.0.1:${port}` }).getManifest('library/busybox', 'latest'),
      isError(UnavailableError, new RegExp(`^registry 127\\.0\\.0\\.1:${port} is not reachable: connection refused$`)),
    );
  });

  it('refuses a manifest over 4 MiB, declared or streamed', async () => {
    const declared = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const streamedTotal = 256 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 0x20);
    let streamed = 0;
    const host = await startFakeServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      if (!req.url?.endsWith('/chunked')) {
        return void res.writeHead(200, { 'content-type': OCI_IMAGE_MANIFEST, 'content-length': String(declared.length) }).end(declared);
      }
      // 256 MiB without a Content-Length, written only as fast as the client reads.
      res.writeHead(200, { 'content-type': OCI_IMAGE_MANIFEST });
      res.on('error', () => {});
      const pump = (): void => {
        while (streamed < streamedTotal && !res.destroyed) {
          streamed += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const registryClient = client({ host });
    await assert.rejects(
      registryClient.getManifest('library/big', 'declared'),
      isError(ResourceExhaustedError, /larger than the 4 MiB limit for manifests \(5242880 bytes\)/),
    );
    await assert.rejects(
      registryClient.getManifest('library/big', 'chunked'),
      isError(ResourceExhaustedError, /larger than the 4 MiB limit for manifests/),
    );
    assert.ok(streamed < streamedTotal / 4, `the client stopped reading early (server wrote ${streamed} bytes)`);
  });

  it('names an unsupported manifest media type', async () => {
    const host = await startFakeServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(200, { 'content-type': 'application/vnd.cncf.helm.chart.v1+json' }).end('{"schemaVersion":2}');
    });
    await assert.rejects(
      client({ host }).getManifest('charts/app', '1.0'),
      /unsupported manifest media type "application\/vnd\.cncf\.helm\.chart\.v1\+json"/,
    );
  });

  it('refuses a manifest whose bytes do not match the digest asked for', async () => {
    const host = await startFakeServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(200, { 'content-type': OCI_IMAGE_INDEX }).end('{"schemaVersion":2,"manifests":[]}');
    });
    await assert.rejects(client({ host }).getManifest('library/busybox', sha256(Buffer.from('other'))), CorruptError);
  });

  it('retries a 503 and a reset connection on manifests', async () => {
    let calls = 0;
    const host = await startFakeServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      calls++;
      if (calls === 1) return void res.writeHead(503, { 'retry-after': '0' }).end();
      if (calls === 2) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': OCI_IMAGE_INDEX }).end('{"schemaVersion":2,"manifests":[]}');
    });
    const fetched = await client({ host }).getManifest('library/busybox', 'latest');
    assert.equal(fetched.mediaType, OCI_IMAGE_INDEX);
    assert.equal(calls, 3);
  });

  /** A blob server whose first `cuts` responses stop halfway through. */
  async function truncatingBlobServer(options: { cuts: number; ranges: boolean }): Promise<{ host: string; ranges: string[] }> {
    const ranges: string[] = [];
    let served = 0;
    const host = await startFakeServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      const range = req.headers.range;
      ranges.push(range ?? '');
      const start = options.ranges && range ? Number(/bytes=(\d+)-/.exec(range)?.[1]) : 0;
      const body = BLOB.subarray(start);
      const headers: Record<string, string> = { 'content-length': String(body.length), 'accept-ranges': options.ranges ? 'bytes' : 'none' };
      if (start > 0) headers['content-range'] = `bytes ${start}-${BLOB.length - 1}/${BLOB.length}`;
      res.writeHead(start > 0 ? 206 : 200, headers);
      if (served++ < options.cuts) {
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        return;
      }
      res.end(body);
    });
    return { host, ranges };
  }

  it('resumes a truncated blob with Range', async () => {
    const { host, ranges } = await truncatingBlobServer({ cuts: 1, ranges: true });
    const { stream } = await client({ host }).fetchBlob('library/busybox', BLOB_DESCRIPTOR);
    const bytes = await collect(stream);
    assert.equal(sha256(bytes), BLOB_DIGEST);
    assert.equal(ranges.length, 2);
    assert.equal(ranges[0], '');
    assert.match(ranges[1]!, /^bytes=\d+-$/);
  });

  it('restarts a truncated blob when the server ignores Range', async () => {
    const { host, ranges } = await truncatingBlobServer({ cuts: 2, ranges: false });
    const { stream } = await client({ host }).fetchBlob('library/busybox', BLOB_DESCRIPTOR);
    assert.equal(sha256(await collect(stream)), BLOB_DIGEST);
    assert.equal(ranges.length, 3);
  });

  it('gives up on a blob that is always truncated', async () => {
    const { host, ranges } = await truncatingBlobServer({ cuts: Infinity, ranges: false });
    const { stream } = await client({ host }).fetchBlob('library/busybox', BLOB_DESCRIPTOR);
    await assert.rejects(collect(stream), isError(UnavailableError, /^download of blob sha256:\w+ in 127\.0\.0\.1:\d+\/library\/busybox failed at byte 150000 of 300000 after 3 attempts/));
    assert.equal(ranges.length, 1 + FAST_RETRY.maxRetries);
  });

  it('refuses a blob longer than its descriptor says', async () => {
    const host = await startFakeServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(200).end(Buffer.concat([BLOB, Buffer.from('extra')]));
    });
    const { stream } = await client({ host }).fetchBlob('library/busybox', BLOB_DESCRIPTOR);
    await assert.rejects(collect(stream), CorruptError);
  });

  it('follows a blob redirect to another host without the Authorization header', async () => {
    let cdnAuthorization: string | undefined = 'unset';
    const cdn = await startFakeServer((req, res) => {
      cdnAuthorization = req.headers.authorization;
      res.writeHead(200, { 'content-length': String(BLOB.length) }).end(BLOB);
    });
    const cdnPort = cdn.split(':')[1];
    const host = await startFakeServer((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
      }
      if (req.url === '/v2/') return void res.writeHead(200).end();
      // localhost and 127.0.0.1 are different origins for the client.
      res.writeHead(307, { location: `http://localhost:${cdnPort}/signed/blob?sig=abc` }).end();
    });
    const { stream } = await client({ host, credentials: { username: 'u', password: 'p' } }).fetchBlob('library/busybox', BLOB_DESCRIPTOR);
    assert.equal(sha256(await collect(stream)), BLOB_DIGEST);
    assert.equal(cdnAuthorization, undefined);
  });

  it('says not found for a missing blob before any stream exists', async () => {
    const host = await startFakeServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
    });
    await assert.rejects(
      client({ host }).fetchBlob('library/busybox', BLOB_DESCRIPTOR),
      isError(NotFoundError, /^blob sha256:\w+ in 127\.0\.0\.1:\d+\/library\/busybox not found: 404 Not Found: blob unknown to registry$/),
    );
  });
});

describe('Bearer token flow against a fake registry', () => {
  const secretToken = randomBytes(8).toString('hex');
  let tokenRequests: URLSearchParams[] = [];
  let registry = '';

  before(async () => {
    const issuer = await startFakeServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://issuer');
      tokenRequests.push(url.searchParams);
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:secret').toString('base64')}`) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad password"}]}');
      }
      const scope = url.searchParams.getAll('scope').join(' ');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `${secretToken}|${scope}`, expires_in: 120 }));
    });
    registry = await startFakeServer((req, res) => {
      const challenge = `Bearer realm="http://${issuer}/token",service="fake.registry",scope="repository:library/busybox:pull"`;
      const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const ping = req.url === '/v2/';
      const granted = token.startsWith(`${secretToken}|`) && (ping || token.includes('repository:library/busybox:pull'));
      if (!granted) return void res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      if (ping) return void res.writeHead(200).end();
      res.writeHead(200, { 'content-type': OCI_IMAGE_INDEX }).end('{"schemaVersion":2,"manifests":[]}');
    });
  });

  it('fetches one token with service and scope and reuses it', async () => {
    tokenRequests = [];
    const registryClient = client({ host: registry, credentials: { username: 'alice', password: 'secret' } });
    await registryClient.getManifest('library/busybox', 'latest');
    await Promise.all([registryClient.getManifest('library/busybox', 'a'), registryClient.getManifest('library/busybox', 'b')]);
    assert.equal(tokenRequests.length, 1);
    assert.equal(tokenRequests[0]?.get('service'), 'fake.registry');
    assert.deepEqual(tokenRequests[0]?.getAll('scope'), ['repository:library/busybox:pull']);
  });

  it('reports refused credentials from the token server in one line', async () => {
    const registryClient = client({ host: registry, credentials: { username: 'alice', password: 'nope' } });
    await assert.rejects(
      registryClient.getManifest('library/busybox', 'latest'),
      isError(PermissionDeniedError, /^authentication to 127\.0\.0\.1:\d+ failed: 401 Unauthorized: bad password$/),
    );
  });
});
