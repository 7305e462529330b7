import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { extraCaCertificates, hostEnvironment } from '../../src/host-environment.js';
import { tempDir } from '../helpers/store.js';

describe('the environment as the user set it', () => {
  it('gives NODE_EXTRA_CA_CERTS back its name and drops the launcher\'s', () => {
    assert.deepEqual(hostEnvironment({ PATH: '/bin', TPOD_EXTRA_CA_CERTS: '/ca.pem' }), { PATH: '/bin', NODE_EXTRA_CA_CERTS: '/ca.pem' });
  });

  it('leaves an environment alone that bin/tpod did not touch', () => {
    const env = { PATH: '/bin', NODE_EXTRA_CA_CERTS: '/node.pem', TPOD_EXTRA_CA_CERTS: '/set-by-the-user.pem' };
    assert.equal(hostEnvironment(env), env);
    assert.deepEqual(hostEnvironment({ PATH: '/bin' }), { PATH: '/bin' });
  });

  it('reads the renamed certificates for the registry client, and ignores an unreadable file as Node does', () => {
    const dir = tempDir('tpod-ca-');
    try {
      writeFileSync(join(dir.path, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
      assert.deepEqual(extraCaCertificates({ TPOD_EXTRA_CA_CERTS: join(dir.path, 'ca.pem') }), ['-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n']);
      assert.deepEqual(extraCaCertificates({ TPOD_EXTRA_CA_CERTS: join(dir.path, 'missing.pem') }), []);
      assert.deepEqual(extraCaCertificates({}), []);
    } finally {
      dir.remove();
    }
  });
});
