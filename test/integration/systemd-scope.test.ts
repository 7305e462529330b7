// The systemd client against the real systemd of the test sandbox: a scope around a real
// process, seen in the process's own cgroup and in systemctl, gone when the process dies.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AlreadyExistsError, UnavailableError } from '../../src/errors.js';
import { SystemdManager } from '../../src/systemd/manager.js';
import { uint64Property } from '../../src/systemd/properties.js';

const uniqueScope = (what: string): string => `tpod-test-${what}-${process.pid}-${Date.now()}.scope`;

function sleeper(): ChildProcess {
  return spawn('sleep', ['300'], { stdio: 'ignore', detached: true });
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('systemd manager over D-Bus', () => {
  let manager: SystemdManager;
  const children: ChildProcess[] = [];

  before(async () => {
    manager = await SystemdManager.forUser(false);
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    manager.close();
  });

  it('reports the systemd version', async () => {
    assert.match(await manager.version(), /^\d{3}/);
  });

  it('places a running process in a transient scope under machine.slice', async () => {
    const child = sleeper();
    children.push(child);
    const name = uniqueScope('place');
    await manager.startTransientScope({ name, pids: [child.pid!], slice: 'machine.slice', description: 'tpod test scope', delegate: true });

    const cgroups = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
    assert.match(cgroups, new RegExp(`^0::/machine\\.slice/${name.replace(/\./g, '\\.')}$`, 'm'));
    const state = await manager.getUnitState(name);
    assert.equal(state?.activeState, 'active');
    // systemd's own tool sees the same unit, description and process.
    const status = execFileSync('systemctl', ['status', '--no-pager', name], { encoding: 'utf8' });
    assert.match(status, /tpod test scope/);
    assert.match(status, new RegExp(`${child.pid}.*sleep 300`));
    child.kill('SIGKILL');
  });

  it('reports the scope gone once its only process is killed', async () => {
    const child = sleeper();
    children.push(child);
    const name = uniqueScope('gone');
    await manager.startTransientScope({ name, pids: [child.pid!], slice: 'machine.slice' });
    assert.equal((await manager.getUnitState(name))?.activeState, 'active');

    child.kill('SIGKILL');
    await eventually(async () => ((await manager.getUnitState(name)) === undefined ? true : undefined), `${name} to be gone`);
    assert.throws(() => execFileSync('systemctl', ['is-active', name], { stdio: 'pipe' }), /inactive|Command failed/);
  });

  it('refuses a second scope of the same name with a typed error', async () => {
    const child = sleeper();
    children.push(child);
    const name = uniqueScope('dup');
    await manager.startTransientScope({ name, pids: [child.pid!] });
    await assert.rejects(manager.startTransientScope({ name, pids: [child.pid!] }), (err: unknown) => {
      assert.ok(err instanceof AlreadyExistsError);
      assert.match(err.message, new RegExp(`unit exists: .*${name}`));
      return true;
    });
    child.kill('SIGKILL');
  });

  it('applies resource properties and stops the scope on request', async () => {
    const child = sleeper();
    children.push(child);
    const name = uniqueScope('limits');
    await manager.startTransientScope({ name, pids: [child.pid!], slice: 'machine.slice', properties: [uint64Property('TasksMax', 42n)] });
    const show = execFileSync('systemctl', ['show', '-p', 'TasksMax', name], { encoding: 'utf8' });
    assert.equal(show.trim(), 'TasksMax=42');

    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    assert.equal(await manager.stopUnit(name), 'done');
    assert.equal(await exited, 'SIGTERM');
    assert.equal(await manager.getUnitState(name), undefined);
  });

  it('names the address when the bus is unreachable', async () => {
    const env = { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/run/tpod-test-no-such-bus' };
    await assert.rejects(SystemdManager.forUser(false, env), (err: unknown) => {
      assert.ok(err instanceof UnavailableError);
      assert.equal(err.message, 'systemd not reachable at unix:path=/run/tpod-test-no-such-bus: no such socket');
      return true;
    });
  });
});
