import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { defaultCertDirs, loadCertDir } from '../../src/registry/certs.js';
import { isLocalRegistry, registryEndpoint } from '../../src/registry/client.js';
import { blobPath, manifestPath, repositoryScope, uploadPath } from '../../src/registry/paths.js';
import { nextLink, parseTagList } from '../../src/registry/tags.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;

describe('registry endpoints', () => {
  it('maps docker.io to its API host', () => {
    assert.equal(registryEndpoint('docker.io'), 'registry-1.docker.io');
    assert.equal(registryEndpoint('index.docker.io'), 'registry-1.docker.io');
    assert.equal(registryEndpoint('quay.io'), 'quay.io');
  });

  it('knows which registries are local', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) assert.ok(isLocalRegistry(host), host);
    for (const host of ['docker.io', '10.0.0.1:5000', 'localhost.example.com', '[::2]:5000']) assert.ok(!isLocalRegistry(host), host);
  });
});

describe('endpoint paths', () => {
  it('builds the spec paths', () => {
    assert.equal(manifestPath('library/busybox', 'latest'), '/v2/library/busybox/manifests/latest');
    assert.equal(manifestPath('a/b/c', DIGEST), `/v2/a/b/c/manifests/${DIGEST}`);
    assert.equal(blobPath('library/busybox', DIGEST), `/v2/library/busybox/blobs/${DIGEST}`);
    assert.equal(uploadPath('x/y'), '/v2/x/y/blobs/uploads/');
    assert.equal(uploadPath('x/y', { digest: DIGEST, from: 'library/busybox' }), `/v2/x/y/blobs/uploads/?mount=${encodeURIComponent(DIGEST)}&from=library%2Fbusybox`);
    assert.equal(repositoryScope('library/busybox', 'pull,push'), 'repository:library/busybox:pull,push');
  });

  it('refuses names that could change the request path', () => {
    for (const name of ['', '../v2', 'Library/busybox', 'a//b', 'a/b?x=1', 'a%2f']) {
      assert.throws(() => manifestPath(name, 'latest'), InvalidArgumentError, name);
    }
    for (const reference of ['', '../x', 'a/b', 'sha256:xyz', '-tag']) {
      assert.throws(() => manifestPath('library/busybox', reference), InvalidArgumentError, reference);
    }
    assert.throws(() => blobPath('library/busybox', 'latest'), InvalidArgumentError);
  });
});

describe('tag lists', () => {
  it('reads tags, null meaning none', () => {
    assert.deepEqual(parseTagList(Buffer.from('{"name":"a","tags":["1","2"]}'), 's'), ['1', '2']);
    assert.deepEqual(parseTagList(Buffer.from('{"name":"a","tags":null}'), 's'), []);
    assert.throws(() => parseTagList(Buffer.from('{"tags":[1]}'), 's'), /malformed tag list/);
  });

  it('finds the next page in a Link header', () => {
    assert.equal(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"'), '/v2/a/tags/list?n=2&last=b');
    assert.equal(nextLink('<https://x/prev>; rel="prev", <https://x/next>; rel=next'), 'https://x/next');
    assert.equal(nextLink('<https://x/prev>; rel="prev"'), undefined);
    assert.equal(nextLink(undefined), undefined);
  });
});

describe('certs.d directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tpod-certs-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads CAs and a client pair', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA-PEM');
    writeFileSync(join(dir, 'extra.crt'), 'EXTRA-PEM');
    writeFileSync(join(dir, 'client.cert'), 'CERT-PEM');
    writeFileSync(join(dir, 'client.key'), 'KEY-PEM');
    assert.deepEqual(loadCertDir(dir), { ca: ['CA-PEM', 'EXTRA-PEM'], cert: 'CERT-PEM', key: 'KEY-PEM' });
  });

  it('refuses a certificate without its key', () => {
    writeFileSync(join(dir, 'lonely.cert'), 'X');
    assert.throws(() => loadCertDir(dir), /missing key lonely\.key for client certificate/);
    rmSync(join(dir, 'lonely.cert'));
  });

  it('treats a missing directory as no material', () => {
    assert.deepEqual(loadCertDir(join(dir, 'absent')), { ca: [] });
  });

  it('searches the user dir first when rootless', () => {
    assert.deepEqual(defaultCertDirs('r:5000', { HOME: '/home/u' }, 1000), [
      '/home/u/.config/containers/certs.d/r:5000',
      '/etc/containers/certs.d/r:5000',
      '/etc/docker/certs.d/r:5000',
    ]);
    assert.deepEqual(defaultCertDirs('r', {}, 0), ['/etc/containers/certs.d/r', '/etc/docker/certs.d/r']);
  });
});
