/**
 * The integration harness itself: tests run inside a booted systemd and can reach the local
 * registry holding the fixture images. If this file fails, every other integration result
 * is suspect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureLayout, testRegistry } from '../helpers/env.js';
import { runTpod, tempStore } from '../helpers/tpod.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_V2S2 = 'application/vnd.docker.distribution.manifest.v2+json';

async function getManifest(repo: string, accept: string) {
  const res = await fetch(`http://${testRegistry()}/v2/${repo}/manifests/latest`, { headers: { accept } });
  assert.equal(res.status, 200, `GET manifest of ${repo}`);
  return { contentType: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
}

test('runs inside the sandbox: PID 1 is systemd and the system is up', () => {
  assert.equal(readFileSync('/proc/1/comm', 'utf8').trim(), 'systemd');
  // is-system-running exits non-zero when degraded; its stdout is what counts.
  const r = spawnSync('systemctl', ['is-system-running'], { encoding: 'utf8' });
  assert.ok(['running', 'degraded'].includes(r.stdout.trim()), `systemctl is-system-running: ${r.stdout}${r.stderr}`);
});

test('the registry serves library/busybox:latest as a one-layer OCI image', async () => {
  const res = await fetch(`http://${testRegistry()}/v2/library/busybox/tags/list`);
  assert.equal(res.status, 200);
  const tags = (await res.json()) as { name: string; tags: string[] };
  assert.equal(tags.name, 'library/busybox');
  assert.ok(tags.tags.includes('latest'), `tags: ${tags.tags}`);

  const m = await getManifest('library/busybox', OCI_MANIFEST);
  assert.equal(m.contentType, OCI_MANIFEST);
  assert.equal((m.body.layers as unknown[]).length, 1);
});

test('the registry serves the other fixtures: schema2 copy, multilayer, multi-arch index', async () => {
  const v2s2 = await getManifest('library/busybox-v2s2', DOCKER_V2S2);
  assert.equal(v2s2.contentType, DOCKER_V2S2);

  const ml = await getManifest('library/multilayer', OCI_MANIFEST);
  assert.ok((ml.body.layers as unknown[]).length >= 3, 'multilayer has 3+ layers');

  const idx = await getManifest('library/multiarch', OCI_INDEX);
  assert.equal(idx.contentType, OCI_INDEX);
  const archs = (idx.body.manifests as { platform: { architecture: string } }[]).map((d) => d.platform.architecture).sort();
  assert.deepEqual(archs, ['amd64', 'arm64']);
});

test('the fixture OCI layout is readable from inside the sandbox', () => {
  assert.ok(existsSync(join(fixtureLayout(), 'index.json')));
  const index = JSON.parse(readFileSync(join(fixtureLayout(), 'index.json'), 'utf8')) as {
    manifests: { annotations?: Record<string, string> }[];
  };
  const tags = index.manifests.map((d) => d.annotations?.['org.opencontainers.image.ref.name']);
  for (const name of ['busybox', 'multilayer', 'multiarch']) assert.ok(tags.includes(name), `layout tag ${name}`);
});

test('runTpod runs bin/tpod against a temporary store', async (t) => {
  const store = tempStore();
  t.after(() => store.remove());
  const r = await runTpod(['version', '--format', 'json'], { store });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { Client: { Version: string } };
  assert.match(report.Client.Version, /^\d+\.\d+\.\d+/);
});
