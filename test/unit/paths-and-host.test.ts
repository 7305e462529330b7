// Store locations by uid and overrides; cgroup layout detection; bus selection.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, UnavailableError } from '../../src/errors.js';
import { detectCgroups } from '../../src/info/cgroups.js';
import { resolveStorePaths } from '../../src/paths.js';
import { systemdBusEndpoint } from '../../src/systemd/bus.js';

describe('store paths', () => {
  it('root uses /var/lib/tpod and /run/tpod', () => {
    assert.deepEqual(resolveStorePaths({}, {}, 0), { root: '/var/lib/tpod', runroot: '/run/tpod', rootless: false });
  });
  it('a user uses XDG_DATA_HOME and XDG_RUNTIME_DIR', () => {
    const env = { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000' };
    assert.deepEqual(resolveStorePaths({}, env, 1000), { root: '/home/u/.local/share/tpod', runroot: '/run/user/1000/tpod', rootless: true });
    assert.equal(resolveStorePaths({}, { ...env, XDG_DATA_HOME: '/data' }, 1000).root, '/data/tpod');
  });
  it('flags beat environment, environment beats defaults', () => {
    const env = { TPOD_ROOT: '/env/root', TPOD_RUNROOT: '/env/run' };
    assert.deepEqual(resolveStorePaths({}, env, 0), { root: '/env/root', runroot: '/env/run', rootless: false });
    assert.equal(resolveStorePaths({ root: '/flag/root' }, env, 0).root, '/flag/root');
  });
  it('refuses a relative --root', () => {
    assert.throws(() => resolveStorePaths({ root: 'relative' }, {}, 0), InvalidArgumentError);
  });
});

describe('cgroup layout', () => {
  const line = (mountPoint: string, fsType: string): string => `30 1 0:26 / ${mountPoint} rw,nosuid shared:9 - ${fsType} ${fsType} rw`;
  it('detects unified v2', () => {
    assert.deepEqual(detectCgroups(line('/sys/fs/cgroup', 'cgroup2')), { version: 'v2', layout: 'v2' });
  });
  it('detects hybrid', () => {
    const info = [line('/sys/fs/cgroup', 'tmpfs'), line('/sys/fs/cgroup/memory', 'cgroup'), line('/sys/fs/cgroup/unified', 'cgroup2')].join('\n');
    assert.deepEqual(detectCgroups(info), { version: 'v1', layout: 'hybrid' });
  });
  it('detects legacy v1', () => {
    assert.deepEqual(detectCgroups([line('/sys/fs/cgroup', 'tmpfs'), line('/sys/fs/cgroup/memory', 'cgroup')].join('\n')), { version: 'v1', layout: 'v1' });
  });
});

describe('systemd bus selection', () => {
  it('root uses the system bus, honouring DBUS_SYSTEM_BUS_ADDRESS', () => {
    assert.deepEqual(systemdBusEndpoint(false, {}), { kind: 'system', address: 'unix:path=/run/dbus/system_bus_socket' });
    assert.equal(systemdBusEndpoint(false, { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/x' }).address, 'unix:path=/x');
  });
  it('a user uses their own bus under XDG_RUNTIME_DIR', () => {
    assert.deepEqual(systemdBusEndpoint(true, { XDG_RUNTIME_DIR: '/run/user/1000' }), { kind: 'user', address: 'unix:path=/run/user/1000/bus' });
  });
  it('a user without a runtime dir gets an error with the fix', () => {
    assert.throws(() => systemdBusEndpoint(true, {}), (err: unknown) => {
      assert.ok(err instanceof UnavailableError);
      assert.match(err.hint ?? '', /enable-linger/);
      return true;
    });
  });
});
