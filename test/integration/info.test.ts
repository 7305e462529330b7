// `tpod info` as a user runs it inside a real systemd, and with the bus out of reach.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runTpod, tempStore } from '../helpers/tpod.js';

describe('tpod info under systemd', () => {
  const store = tempStore();
  after(() => store.remove());

  it('reports systemd reachable on the system bus, with its version', async () => {
    const result = await runTpod(['info', '--format', 'json'], { store });
    assert.equal(result.code, 0, result.stderr);
    const info = JSON.parse(result.stdout);
    assert.equal(info.host.systemd.reachable, true);
    assert.equal(info.host.systemd.bus, 'system');
    assert.match(info.host.systemd.version, /^\d{3}/);
    assert.equal(info.host.cgroupManager, 'systemd');
    assert.match(info.host.ociRuntime.version, /^runc version \d/);
    assert.equal(info.store.graphRoot, store.root);
    assert.equal(info.store.runRoot, store.runroot);
  });

  it('reports systemd unreachable, naming the bus address, and still exits 0', async () => {
    const env = { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/run/tpod-test-no-such-bus' };
    const result = await runTpod(['info', '--format', '{{json .Host.Systemd}}'], { store, env });
    assert.equal(result.code, 0, result.stderr);
    const systemd = JSON.parse(result.stdout);
    assert.equal(systemd.reachable, false);
    assert.equal(systemd.error, 'systemd not reachable at unix:path=/run/tpod-test-no-such-bus: no such socket');
  });

  it('reports crun when asked for it with --runtime', async () => {
    const result = await runTpod(['info', '--runtime', 'crun', '--format', '{{.Host.OciRuntime.Name}} {{.Host.OciRuntime.Version}}'], { store });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.trim(), /^crun crun version \d/);
  });
});
