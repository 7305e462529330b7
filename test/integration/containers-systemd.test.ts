// Containers and systemd, checked with the user's own tools: no tpod process stays behind
// a detached container (conmon does, small), the scope in `systemctl status`, systemctl
// stop, the freezer behind pause, memory and pids limits enforced, and the bundle tpod
// writes run again by plain runc.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxStore, eventually, inspectField, psAll, sleep, systemctl, uniqueName } from '../helpers/containers.js';
import { tempDir } from '../helpers/store.js';
import { runTpod, TPOD_BIN, tpodOk } from '../helpers/tpod.js';

/** Command lines of live processes (NUL-separated args joined by spaces), by PID. */
function processes(): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      if (cmdline) found.set(Number(entry), cmdline);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function procStatus(pid: number, field: string): string | undefined {
  try {
    return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The freezer state of a container's scope: cgroup v1 freezer, or v2's cgroup.events. */
function freezerState(scope: string): string {
  const v1 = `/sys/fs/cgroup/freezer/machine.slice/${scope}/freezer.state`;
  if (existsSync(v1)) return readFileSync(v1, 'utf8').trim();
  const events = readFileSync(`/sys/fs/cgroup/machine.slice/${scope}/cgroup.events`, 'utf8');
  return /^frozen 1$/m.test(events) ? 'FROZEN' : 'THAWED';
}

describe('detached containers: no tpod left, conmon small', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('run -d returns leaving only conmon, under 3 MiB, as the monitor of the container', async () => {
    const name = uniqueName('alone');
    const before = new Set(processes().keys());
    const id = (await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store })).trim();
    const leftovers = [...processes()].filter(([pid, cmdline]) => !before.has(pid) && cmdline.includes(TPOD_BIN) && !cmdline.startsWith('/usr/bin/conmon'));
    assert.deepEqual(leftovers, [], 'no tpod process survives run -d');
    assert.deepEqual([...processes().values()].filter((cmdline) => /bin\/tpod run/.test(cmdline)), []);

    const conmonPid = Number(await inspectField(store, name, '{{.State.ConmonPid}}'));
    assert.ok(conmonPid > 0);
    assert.equal(procStatus(conmonPid, 'Name'), 'conmon', `ConmonPid ${conmonPid} is conmon`);
    assert.match(processes().get(conmonPid) ?? '', new RegExp(`--cid ${id}`));
    const rssKiB = Number(/(\d+) kB/.exec(procStatus(conmonPid, 'VmRSS') ?? '')?.[1]);
    assert.ok(rssKiB > 0 && rssKiB < 3 * 1024, `conmon VmRSS ${rssKiB} kB`);
    // The container's init is conmon's child.
    const pid = Number(await inspectField(store, name, '{{.State.Pid}}'));
    assert.equal(procStatus(pid, 'PPid'), String(conmonPid));
    assert.equal(processes().get(pid), 'sleep 1000');
  });
});

describe('containers as systemd scopes', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('systemctl status shows the scope with the container name and its process', async () => {
    const name = uniqueName('scoped');
    const id = (await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1001'], { store })).trim();
    const pid = await inspectField(store, name, '{{.State.Pid}}');
    const status = systemctl('status', `tpod-${id}.scope`);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`tpod-${id}\\.scope - tpod container ${name} \\(${id.slice(0, 12)}\\)`));
    assert.match(status.stdout, /Active: active \(running\)/);
    assert.match(status.stdout, new RegExp(`${pid} sleep 1001`));
    assert.equal(await inspectField(store, name, '{{.Systemd.Scope}}'), `tpod-${id}.scope`);
  });

  it('systemctl stop of the scope ends the container: ps -a shows it Exited', async () => {
    const name = uniqueName('sysstop');
    // sleep as PID 1 ignores SIGTERM: systemd kills it after the container's stop timeout.
    const id = (await tpodOk(['run', '-d', '--stop-timeout', '1', '--name', name, 'busybox', 'sleep', '1000'], { store })).trim();
    const started = Date.now();
    const stop = systemctl('stop', `tpod-${id}.scope`);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(Date.now() - started < 10_000, `systemctl stop took ${Date.now() - started} ms`);
    const line = (await psAll(store, '{{.Names}} {{.Status}}')).find((l) => l.startsWith(`${name} `));
    assert.match(line ?? '', /Exited \(137\)/);
    // Not left behind as a failed unit (it was SIGKILLed after its timeout): the name is
    // free, so the container starts again.
    assert.equal(systemctl('is-active', `tpod-${id}.scope`).stdout.trim(), 'inactive');
    assert.doesNotMatch(systemctl('list-units', '--all', '--no-legend', `tpod-${id}.scope`).stdout, /failed/);
    await tpodOk(['start', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'running');
    assert.equal(systemctl('is-active', `tpod-${id}.scope`).stdout.trim(), 'active');
  });

  it('a foreground container is in its scope too, and stopping the scope ends tpod run', async () => {
    const name = uniqueName('fgscope');
    const run = runTpod(['run', '--stop-timeout', '1', '--name', name, 'busybox', 'sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done'], { store });
    const id = await eventually(async () => {
      const r = await runTpod(['inspect', '--format', '{{.Id}} {{.State.Status}}', name], { store });
      const [full, state] = r.stdout.trim().split(' ');
      return state === 'running' ? full : undefined;
    }, `${name} to run`, 20_000);
    await sleep(300); // let sh install its trap
    const status = systemctl('status', `tpod-${id}.scope`);
    assert.match(status.stdout, new RegExp(`tpod container ${name}`));
    assert.match(status.stdout, /while :; do sleep 0\.1; done/);
    assert.equal(systemctl('stop', `tpod-${id}.scope`).code, 0);
    const result = await run;
    assert.equal(result.code, 7, result.stderr);
    assert.equal(await inspectField(store, name, '{{.State.ExitCode}}'), '7');
  });

  it('leaves no cgroup of a container behind once it exited, in any hierarchy', async () => {
    const cgroupsOf = (id: string): string[] =>
      readdirSync('/sys/fs/cgroup').flatMap((hierarchy) => {
        const dir = join('/sys/fs/cgroup', hierarchy, 'machine.slice', `tpod-${id}.scope`);
        return existsSync(dir) ? [dir] : [];
      });
    const fg = uniqueName('cgfg');
    await tpodOk(['run', '--name', fg, 'busybox', 'true'], { store });
    const fgId = await inspectField(store, fg, '{{.Id}}');
    const bg = uniqueName('cgbg');
    const bgId = (await tpodOk(['run', '-d', '--name', bg, 'busybox', 'sleep', '0.2'], { store })).trim();
    assert.equal((await tpodOk(['wait', bg], { store })).trim(), '0');
    await eventually(() => (cgroupsOf(fgId).length + cgroupsOf(bgId).length === 0 ? true : undefined), 'the cgroups to go').catch(() => undefined);
    assert.deepEqual([...cgroupsOf(fgId), ...cgroupsOf(bgId)], []);
  });

  it('pause freezes the scope, unpause thaws it', async () => {
    const name = uniqueName('frozen');
    const id = (await tpodOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'while :; do sleep 0.1; done'], { store })).trim();
    const pid = Number(await inspectField(store, name, '{{.State.Pid}}'));
    await tpodOk(['pause', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'paused');
    assert.match((await psAll(store, '{{.Names}} {{.Status}}')).find((l) => l.startsWith(`${name} `)) ?? '', /Paused/);
    assert.equal(freezerState(`tpod-${id}.scope`), 'FROZEN');
    assert.match(procStatus(pid, 'State') ?? '', /^[DT]/, 'the container process is stopped');

    await tpodOk(['unpause', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'running');
    assert.equal(freezerState(`tpod-${id}.scope`), 'THAWED');
    assert.match(procStatus(pid, 'State') ?? '', /^[RS]/);
    // A paused container can be stopped (and so removed) too.
    await tpodOk(['pause', name], { store });
    await tpodOk(['stop', '-t', '0', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'exited');
  });
});

describe('resource limits', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('--memory 32m: a growing process is OOM-killed, 137 and OOMKilled', async () => {
    const name = uniqueName('oom');
    const result = await runTpod(['run', '--memory', '32m', '--name', name, 'busybox', 'tail', '/dev/zero'], { store, timeoutMs: 60_000 });
    assert.equal(result.code, 137, result.stderr);
    assert.equal(await inspectField(store, name, '{{.State.OOMKilled}}'), 'true');
    assert.equal(await inspectField(store, name, '{{.State.ExitCode}}'), '137');
    assert.equal(await inspectField(store, name, '{{.HostConfig.Memory}}'), String(32 * 1024 * 1024));
  });

  it('a container within its memory limit is not marked OOMKilled', async () => {
    const name = uniqueName('fits');
    const result = await runTpod(['run', '--memory', '32m', '--name', name, 'busybox', 'sh', '-c', 'exit 0'], { store });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await inspectField(store, name, '{{.State.OOMKilled}}'), 'false');
  });

  it('--pids-limit 10: the container cannot fork past it', async () => {
    const name = uniqueName('pids');
    const result = await runTpod(['run', '--pids-limit', '10', '--name', name, 'busybox', 'sh', '-c', 'for i in $(seq 30); do sleep 1 & done; wait'], { store });
    assert.match(result.stderr, /can't fork|Resource temporarily unavailable/);
    assert.doesNotMatch(result.stderr, /runtime\/cgo|pthread_create/, 'the limit is on the container, not on runc');
    assert.equal(await inspectField(store, name, '{{.HostConfig.PidsLimit}}'), '10');
  });

  it('--pids-limit of a detached container is the scope\'s TasksMax', async () => {
    const name = uniqueName('tasks');
    const id = (await tpodOk(['run', '-d', '--pids-limit', '10', '--memory', '64m', '--name', name, 'busybox', 'sleep', '1000'], { store })).trim();
    const show = systemctl('show', '-p', 'TasksMax', '-p', 'MemoryLimit', '-p', 'MemoryMax', `tpod-${id}.scope`);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^TasksMax=10$/m);
    assert.match(show.stdout, new RegExp(`^(MemoryLimit|MemoryMax)=${64 * 1024 * 1024}$`, 'm'));
  });
});

describe('the bundle tpod writes is a plain OCI bundle', () => {
  const store = busyboxStore();
  const runcState = tempDir('tpod-plain-runc-');
  const plainIds: string[] = [];
  before(() => store.ready);
  after(async () => {
    for (const id of plainIds) spawnSync('runc', ['--root', join(runcState.path, 'state'), 'delete', '-f', id], { stdio: 'ignore' });
    await store.cleanup();
    runcState.remove();
  });

  it('runc runs the bundle of a running container (rootfs, /etc files, hostname) without tpod', async () => {
    const name = uniqueName('bundle');
    const id = (await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store })).trim();
    const bundle = join(store.root, 'containers', id, 'bundle');
    assert.equal(await inspectField(store, name, '{{.OCIConfigPath}}'), join(bundle, 'config.json'));
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
      ociVersion: string;
      root: { path: string };
      process: { args: string[] };
      hostname: string;
      linux: { cgroupsPath: string };
    };
    assert.match(spec.ociVersion, /^1\./);
    assert.deepEqual(spec.process.args, ['sleep', '1000']);
    assert.equal(spec.root.path, await inspectField(store, name, '{{.GraphDriver.Data.MergedDir}}'));
    assert.ok(existsSync(join(spec.root.path, 'bin', 'busybox')), 'the rootfs is mounted while the container runs');

    // The same bundle with another command and its own cgroup: runc alone runs it.
    const plain = `plain-${randomBytes(4).toString('hex')}`;
    const copy = join(runcState.path, 'bundles', plain);
    mkdirSync(copy, { recursive: true });
    writeFileSync(
      join(copy, 'config.json'),
      JSON.stringify({ ...spec, process: { ...spec.process, args: ['sh', '-c', 'echo from-bundle; cat /etc/hostname; hostname; exit 5'] }, linux: { ...spec.linux, cgroupsPath: `/tpod-test-${plain}` } }),
    );
    plainIds.push(plain);
    const runc = spawnSync('runc', ['--root', join(runcState.path, 'state'), 'run', '--bundle', copy, plain], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    assert.equal(runc.status, 5, runc.stderr);
    assert.equal(runc.stdout, `from-bundle\n${spec.hostname}\n${spec.hostname}\n`);
    assert.equal(spec.hostname, id.slice(0, 12));
    // tpod's container is untouched by it.
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'running');
  });

  it('tpod create + start: the bundle holds the recorded command, its rootfs unmounted after exit', async () => {
    const name = uniqueName('created');
    const id = (await tpodOk(['create', '--name', name, 'busybox', 'echo', 'from-bundle'], { store })).trim();
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'created');
    await tpodOk(['start', name], { store });
    assert.equal((await tpodOk(['wait', name], { store })).trim(), '0');
    assert.equal(await tpodOk(['logs', name], { store }), 'from-bundle\n');
    const bundle = join(store.root, 'containers', id, 'bundle');
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[] }; root: { path: string } };
    assert.deepEqual(spec.process.args, ['echo', 'from-bundle']);
    // Exited: the snapshot is unmounted until the next start.
    assert.ok(!existsSync(join(spec.root.path, 'bin', 'busybox')), 'rootfs unmounted after exit');
  });
});
