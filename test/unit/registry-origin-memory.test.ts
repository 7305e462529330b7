import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/registry/client.js';
import { PlainHttpMarkers } from '../../src/registry/plain-http-memory.js';
import { DEFAULT_RETRY_POLICY } from '../../src/registry/retry.js';
import { RegistrySession } from '../../src/registry/session.js';
import { createAgent, DEFAULT_TRANSPORT_OPTIONS } from '../../src/registry/transport.js';

/**
 * A plain-http registry on loopback: a real socket, so the https probe really fails (the
 * server sees a TLS ClientHello and counts it as a client error) and http really answers.
 */
class PlainRegistry {
  tlsAttempts = 0;
  requests = 0;
  versionStatus = 200;
  private readonly server: Server = createServer((req, res) => {
    this.requests += 1;
    res.writeHead(req.url === '/v2/' ? this.versionStatus : 404, { 'docker-distribution-api-version': 'registry/2.0' });
    res.end('{}');
  });

  async start(): Promise<string> {
    this.server.on('clientError', (_err, socket) => {
      // What an http server (Node's default, Go's) answers to a TLS ClientHello.
      this.tlsAttempts += 1;
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('remembering registries that answer plain http', () => {
  const registry = new PlainRegistry();
  const dir = mkdtempSync(join(tmpdir(), 'tpod-origins-'));
  let host = '';
  const ping = (memory: PlainHttpMarkers) => new RegistryClient({ host, tlsVerify: false, origins: memory }).ping();

  before(async () => {
    host = await registry.start();
  });
  after(async () => {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('probes https once, then goes to http directly', async () => {
    const memory = new PlainHttpMarkers(join(dir, 'a'));
    assert.equal((await ping(memory)).origin, `http://${host}`);
    assert.equal(registry.tlsAttempts, 1, 'the first ping tries https');
    assert.ok(memory.answeredPlainHttp(host));

    assert.equal((await ping(memory)).origin, `http://${host}`);
    assert.equal(registry.tlsAttempts, 1, 'the second ping sends no TLS handshake');
  });

  it('detects again from https when the remembered http stops answering, and forgets it', async () => {
    const memory = new PlainHttpMarkers(join(dir, 'b'));
    await memory.remember(host, 'http');
    registry.versionStatus = 500;
    const attempts = registry.tlsAttempts;
    try {
      await assert.rejects(ping(memory), /does not answer the distribution API at http:.*500/);
    } finally {
      registry.versionStatus = 200;
    }
    assert.equal(registry.tlsAttempts, attempts + 1, 'https was probed after http failed');
    assert.equal(memory.answeredPlainHttp(host), false);
  });

  it('does not let a marker turn on plain http where it is not allowed', async () => {
    const memory = new PlainHttpMarkers(join(dir, 'c'));
    await memory.remember(host, 'http');
    const session = new RegistrySession({
      host,
      endpoint: host,
      allowHttp: false,
      origins: memory,
      dispatcher: createAgent({ ...DEFAULT_TRANSPORT_OPTIONS, verifyTls: true, tls: { ca: [] } }),
      retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 0 },
      userAgent: 'tpod-test',
    });
    const served = registry.requests;
    await assert.rejects(session.ping(), /https:|TLS|SSL|ssl/i);
    assert.equal(registry.requests, served, 'no plain http request was sent');
  });

  it('keeps working where the marker cannot be written', async () => {
    const notADirectory = join(dir, 'file');
    writeFileSync(notADirectory, '');
    const memory = new PlainHttpMarkers(join(notADirectory, 'markers'));
    assert.equal((await ping(memory)).origin, `http://${host}`);
    assert.equal(memory.answeredPlainHttp(host), false);
  });
});
