// The container commands a podman user checks state with, and the ones that change a
// container without running it: inspect (State, Config, HostConfig, Mounts, GraphDriver,
// the systemd scope), wait, pause/unpause in ps, top, cp both ways, export, rename, port,
// container prune, ps's flags, labels, rm -v, restart and start -a.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxStore, eventually, inspectField, psAll, sleep, systemctl, uniqueName } from '../helpers/containers.js';
import { fixtureLayout } from '../helpers/env.js';
import { runTpod, tempDir, TPOD_BIN, tpodEnv, tpodOk } from '../helpers/tpod.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

interface Inspected {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Paused: boolean; Pid: number; ExitCode: number; StartedAt: string; FinishedAt: string; OOMKilled: boolean };
  Config: { Cmd: string[]; Env: string[]; WorkingDir: string; Hostname: string; Tty: boolean };
  HostConfig: { Memory: number; Privileged: boolean; ReadonlyRootfs: boolean; NetworkMode: string; AutoRemove: boolean; CapAdd: string[]; CapDrop: string[] };
  Mounts: Array<{ Type: string; Source: string; Destination: string; RW: boolean; Name?: string }>;
  GraphDriver: { Name: string; Data: { UpperDir: string; MergedDir: string; WorkDir: string } };
  Systemd: { Scope: string };
}

async function inspect(store: ReturnType<typeof busyboxStore>, name: string): Promise<Inspected> {
  const all = JSON.parse(await tpodOk(['inspect', name], { store })) as Inspected[];
  assert.equal(all.length, 1);
  return all[0]!;
}

const cmdlineOf = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');

describe('tpod inspect and wait', () => {
  const store = busyboxStore();
  const host = tempDir('tpod-inspect-host-');
  before(() => store.ready);
  after(async () => {
    await store.cleanup();
    host.remove();
  });

  it('State of a running container: running, its real PID, started now, not finished', async () => {
    const name = uniqueName('state');
    const before = Date.now();
    const id = (await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store })).trim();
    const c = await inspect(store, name);
    assert.equal(c.Id, id);
    assert.equal(c.Name, name);
    assert.equal(c.State.Status, 'running');
    assert.equal(c.State.Running, true);
    assert.equal(c.State.OOMKilled, false);
    assert.ok(c.State.Pid > 0);
    assert.equal(cmdlineOf(c.State.Pid), 'sleep 1000', 'State.Pid is the container\'s process');
    const started = Date.parse(c.State.StartedAt);
    assert.ok(started >= before - 2_000 && started <= Date.now(), `StartedAt ${c.State.StartedAt}`);
    assert.equal(c.State.FinishedAt, ZERO_TIME);

    await tpodOk(['stop', '-t', '0', name], { store });
    const stopped = await inspect(store, name);
    assert.equal(stopped.State.Status, 'exited');
    assert.equal(stopped.State.Running, false);
    assert.equal(stopped.State.Pid, 0);
    assert.equal(stopped.State.ExitCode, 137);
    assert.ok(Date.parse(stopped.State.FinishedAt) >= started, `FinishedAt ${stopped.State.FinishedAt} after StartedAt`);
    assert.equal(stopped.State.StartedAt, c.State.StartedAt);
  });

  it('Config.Env of a running container is the environment its process has', async () => {
    const name = uniqueName('env');
    await tpodOk(['run', '-d', '--name', name, '-e', 'GREETING=hi', 'busybox', 'sleep', '1000'], { store });
    const c = await inspect(store, name);
    const inside = (await tpodOk(['exec', name, 'env'], { store })).split('\n').filter(Boolean);
    assert.deepEqual([...c.Config.Env].sort(), inside.sort());
    assert.ok(inside.includes('GREETING=hi') && inside.includes('HOME=/root'), inside.join(' '));
  });

  it('Config and HostConfig hold what was asked for', async () => {
    const name = uniqueName('config');
    await tpodOk(['create', '--name', name, '-e', 'GREETING=hi', '-w', '/tmp', '--hostname', 'inspected', '--memory', '64m', '--read-only', '--cap-drop', 'chown', '--cap-add', 'net_raw', '--network', 'none', 'busybox', 'sh', '-c', 'echo x'], { store });
    const c = await inspect(store, name);
    assert.equal(c.State.Status, 'created');
    assert.deepEqual(c.Config.Cmd, ['sh', '-c', 'echo x']);
    assert.ok(c.Config.Env.includes('GREETING=hi'), JSON.stringify(c.Config.Env));
    // The whole environment, as podman shows it: the image's and the defaults, not -e alone.
    assert.ok(c.Config.Env.some((entry: string) => entry.startsWith('PATH=')), JSON.stringify(c.Config.Env));
    assert.ok(c.Config.Env.includes('HOSTNAME=inspected'), JSON.stringify(c.Config.Env));
    assert.equal(c.Config.WorkingDir, '/tmp');
    assert.equal(c.Config.Hostname, 'inspected');
    assert.equal(c.Config.Tty, false);
    assert.equal(c.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(c.HostConfig.ReadonlyRootfs, true);
    assert.equal(c.HostConfig.Privileged, false);
    assert.equal(c.HostConfig.NetworkMode, 'none');
    assert.deepEqual(c.HostConfig.CapDrop, ['CAP_CHOWN']);
    assert.deepEqual(c.HostConfig.CapAdd, ['CAP_NET_RAW']);
    assert.equal(await inspectField(store, name, '{{.State.Status}} {{.HostConfig.Memory}}'), 'created 67108864');
  });

  it('Mounts lists volumes and bind mounts; GraphDriver the overlay the container writes to', async () => {
    const name = uniqueName('mounts');
    const volume = uniqueName('vol');
    await tpodOk(['volume', 'create', volume], { store });
    await tpodOk(['run', '-d', '--name', name, '-v', `${volume}:/data`, '-v', `${host.path}:/host:ro`, 'busybox', 'sh', '-c', 'echo w > /written; sleep 1000'], { store });
    const c = await inspect(store, name);
    const data = c.Mounts.find((m) => m.Destination === '/data');
    const bind = c.Mounts.find((m) => m.Destination === '/host');
    assert.ok(data && bind, JSON.stringify(c.Mounts));
    assert.equal(data.RW, true);
    assert.equal(data.Type, 'volume');
    assert.equal(data.Name, volume);
    assert.equal(bind.Type, 'bind');
    assert.equal(data.Source, (JSON.parse(await tpodOk(['volume', 'inspect', volume], { store })) as Array<{ Mountpoint: string }>)[0]!.Mountpoint);
    assert.equal(bind.Source, host.path);
    assert.equal(bind.RW, false);
    assert.equal(c.GraphDriver.Name, 'overlay');
    await eventually(() => (existsSync(join(c.GraphDriver.Data.UpperDir, 'written')) ? true : undefined), 'the write in UpperDir');
    assert.equal(readFileSync(join(c.GraphDriver.Data.MergedDir, 'bin', 'busybox')).length > 0, true, 'MergedDir is the root filesystem');
  });

  it('--storage-driver is global as in podman (before or after the command word, or STORAGE_DRIVER): vfs, shown by inspect and info', async () => {
    const before = uniqueName('vfsb');
    const after = uniqueName('vfsa');
    const fromEnv = uniqueName('vfse');
    await tpodOk(['--storage-driver', 'vfs', 'create', '--name', before, 'busybox', 'true'], { store });
    await tpodOk(['create', '--storage-driver', 'vfs', '--name', after, 'busybox', 'true'], { store });
    await tpodOk(['create', '--name', fromEnv, 'busybox', 'true'], { store, env: { STORAGE_DRIVER: 'vfs' } });
    for (const name of [before, after, fromEnv]) assert.equal(await inspectField(store, name, '{{.GraphDriver.Name}}'), 'vfs', name);
    assert.equal(JSON.parse(await tpodOk(['--storage-driver', 'vfs', 'info', '--format', 'json'], { store })).store.graphDriverName, 'vfs');
    assert.equal(JSON.parse(await tpodOk(['info', '--format', 'json'], { store })).store.graphDriverName, 'overlay');
    assert.equal((await tpodOk(['--storage-driver', 'vfs', 'start', '-a', before], { store })).trim(), '');
    const bad = await runTpod(['--storage-driver', 'zfs', 'ps'], { store });
    assert.equal(bad.code, 125);
    assert.equal(bad.stderr, 'Error: unknown storage driver "zfs": want overlay, fuse-overlayfs, vfs or copy\n');
    await tpodOk(['rm', before, after, fromEnv], { store });
  });

  it('names the systemd scope, which systemd knows as active while the container runs', async () => {
    const name = uniqueName('unit');
    const id = (await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store })).trim();
    const scope = await inspectField(store, name, '{{.Systemd.Scope}}');
    assert.equal(scope, `tpod-${id}.scope`);
    assert.equal(systemctl('is-active', scope).stdout.trim(), 'active');
    await tpodOk(['rm', '-f', '-t', '0', name], { store });
    assert.notEqual(systemctl('is-active', scope).stdout.trim(), 'active');
  });

  it('wait returns the exit code, waiting for a running container to end', async () => {
    const name = uniqueName('wait');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'sleep 2; exit 5'], { store });
    const waited = await runTpod(['wait', name], { store });
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, '5\n');
    assert.equal(await inspectField(store, name, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 5');
    assert.equal(await tpodOk(['wait', name], { store }), '5\n', 'again, of an exited container');
    const unknown = await runTpod(['wait', 'no-such-container'], { store });
    assert.equal(unknown.code, 125);
  });
});

describe('tpod pause, unpause, top', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('pause shows Paused in ps and stops the processes; unpause resumes them', async () => {
    const name = uniqueName('pause');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /count; sleep 0.1; done'], { store });
    const count = join(await inspectField(store, name, '{{.GraphDriver.Data.UpperDir}}'), 'count');
    await eventually(() => (existsSync(count) ? true : undefined), 'the counter');
    await tpodOk(['pause', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}} {{.State.Paused}}'), 'paused true');
    assert.match((await psAll(store, '{{.Names}} {{.Status}}')).find((l) => l.startsWith(`${name} `)) ?? '', /Paused/);
    const frozen = readFileSync(count, 'utf8');
    await sleep(700);
    assert.equal(readFileSync(count, 'utf8'), frozen, 'the counter stands still while paused');

    await tpodOk(['unpause', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}} {{.State.Paused}}'), 'running false');
    assert.match((await psAll(store, '{{.Names}} {{.Status}}')).find((l) => l.startsWith(`${name} `)) ?? '', /Up/);
    await eventually(() => (readFileSync(count, 'utf8') !== frozen ? true : undefined), 'the counter to move again');
    const again = await runTpod(['unpause', name], { store });
    assert.equal(again.code, 125, 'unpause of a running container is refused');
  });

  it('top lists the container\'s processes, with ps descriptors too', async () => {
    const name = uniqueName('top');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'sleep 1001 & sleep 1002'], { store });
    const top = await eventually(async () => {
      const out = await tpodOk(['top', name], { store });
      return out.includes('sleep 1002') && out.includes('sleep 1001') ? out : undefined;
    }, 'both sleeps in top');
    const [header, ...rows] = top.trim().split('\n');
    assert.match(header!, /\bPID\b/);
    assert.match(header!, /COMMAND/);
    // sh runs its last command in its own process: two sleeps, no shell.
    assert.equal(rows.length, 2, top);
    assert.ok(rows.every((row) => /sleep 100[12]$/.test(row)), top);
    const custom = await tpodOk(['top', name, 'pid', 'args'], { store });
    assert.match(custom.split('\n')[0]!, /^\s*PID\s+COMMAND\s*$/);
    assert.ok(custom.includes('sleep 1001'));
    await tpodOk(['stop', '-t', '0', name], { store });
    const stopped = await runTpod(['top', name], { store });
    assert.equal(stopped.code, 125, 'top of a stopped container is refused');
  });
});

describe('tpod cp and export', () => {
  const store = busyboxStore();
  const host = tempDir('tpod-cp-');
  before(() => store.ready);
  after(async () => {
    await store.cleanup();
    host.remove();
  });

  it('copies a file and a directory into a running container and back out', async () => {
    const name = uniqueName('cprun');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store });
    writeFileSync(join(host.path, 'file.txt'), 'file content\n');
    mkdirSync(join(host.path, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(host.path, 'tree', 'sub', 'deep.txt'), 'deep content\n');

    await tpodOk(['cp', join(host.path, 'file.txt'), `${name}:/tmp/`], { store });
    await tpodOk(['cp', join(host.path, 'tree'), `${name}:/tmp/tree`], { store });
    assert.equal(await tpodOk(['exec', name, 'cat', '/tmp/file.txt', '/tmp/tree/sub/deep.txt'], { store }), 'file content\ndeep content\n');

    await tpodOk(['exec', name, 'sh', '-c', 'mkdir -p /out/d && echo from-ctr > /out/d/f && echo single > /out/one'], { store });
    await tpodOk(['cp', `${name}:/out/one`, join(host.path, 'one.txt')], { store });
    assert.equal(readFileSync(join(host.path, 'one.txt'), 'utf8'), 'single\n');
    await tpodOk(['cp', `${name}:/out/d`, join(host.path, 'copied-dir')], { store });
    assert.equal(readFileSync(join(host.path, 'copied-dir', 'f'), 'utf8'), 'from-ctr\n');

    const missing = await runTpod(['cp', `${name}:/no/such/file`, host.path], { store });
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /\/no\/such\/file/);

    // `-`: a tar stream on stdout, and from stdin into a directory, as podman's.
    const env = tpodEnv({ store });
    const out = spawnSync('sh', ['-c', `${TPOD_BIN} cp ${name}:/out/d - | tar -xO d/f`], { env, encoding: 'utf8' });
    assert.equal(out.stdout, 'from-ctr\n', out.stderr);
    const into = spawnSync('sh', ['-c', `tar -C ${host.path} -c file.txt | ${TPOD_BIN} cp - ${name}:/out`], { env, encoding: 'utf8' });
    assert.equal(into.status, 0, into.stderr);
    assert.equal(await tpodOk(['exec', name, 'cat', '/out/file.txt'], { store }), 'file content\n');
    const notDir = spawnSync('sh', ['-c', `tar -C ${host.path} -c file.txt | ${TPOD_BIN} cp - ${name}:/out/one`], { env, encoding: 'utf8' });
    assert.equal(notDir.status, 125);
    assert.equal(notDir.stderr, 'Error: "/out/one" must be a directory in the container to copy a tar stream into\n');
  });

  it('copies into and out of a stopped container; the container sees the file when started', async () => {
    const name = uniqueName('cpstop');
    await tpodOk(['create', '--name', name, 'busybox', 'cat', '/put-while-stopped', '/dir-while-stopped/inner/leaf'], { store });
    writeFileSync(join(host.path, 'put.txt'), 'put while stopped\n');
    mkdirSync(join(host.path, 'stopped-tree', 'inner'), { recursive: true });
    writeFileSync(join(host.path, 'stopped-tree', 'inner', 'leaf'), 'leaf of a tree\n');
    chownSync(join(host.path, 'put.txt'), 4242, 4242);
    await tpodOk(['cp', join(host.path, 'put.txt'), `${name}:/put-while-stopped`], { store });
    await tpodOk(['cp', join(host.path, 'stopped-tree'), `${name}:/dir-while-stopped`], { store });
    const started = await runTpod(['start', '-a', name], { store });
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout, 'put while stopped\nleaf of a tree\n');
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'exited');
    // As podman's default: copied-in files belong to the container's user (root here).
    const { uid, gid } = statSync(join(await inspectField(store, name, '{{.GraphDriver.Data.UpperDir}}'), 'put-while-stopped'));
    assert.deepEqual([uid, gid], [0, 0]);
    await tpodOk(['cp', `${name}:/etc/passwd`, join(host.path, 'passwd')], { store });
    assert.match(readFileSync(join(host.path, 'passwd'), 'utf8'), /^root:/m);
    await tpodOk(['cp', `${name}:/dir-while-stopped`, join(host.path, 'tree-back')], { store });
    assert.equal(readFileSync(join(host.path, 'tree-back', 'inner', 'leaf'), 'utf8'), 'leaf of a tree\n', 'a directory out of a stopped container');
  });

  it('export writes a tar of the container\'s filesystem, its own writes included', async () => {
    const name = uniqueName('export');
    await tpodOk(['run', '--name', name, 'busybox', 'sh', '-c', 'echo exported > /written-by-ctr; rm /etc/group'], { store });
    const tar = join(host.path, `${name}.tar`);
    await tpodOk(['export', '-o', tar, name], { store });
    const list = spawnSync('tar', ['-tf', tar], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.ok(!list.stdout.split('\n').some((entry) => entry.startsWith('./')), 'entries named as podman names them: bin/, not ./bin/');
    const entries = list.stdout.split('\n').map((entry) => entry.replace(/\/$/, ''));
    for (const expected of ['bin/busybox', 'written-by-ctr', 'etc/passwd']) assert.ok(entries.includes(expected), `${expected} in the tar`);
    assert.ok(!entries.includes('etc/group'), 'a file the container deleted is not exported');
    const content = spawnSync('tar', ['-xOf', tar, 'written-by-ctr'], { encoding: 'utf8' });
    assert.equal(content.stdout, 'exported\n');

    const piped = spawnSync('sh', ['-c', `"$TPOD" export ${name} | tar -t | wc -l`], { encoding: 'utf8', env: { ...tpodEnv({ store }), TPOD: TPOD_BIN } });
    assert.equal(Number(piped.stdout.trim()), list.stdout.split('\n').filter(Boolean).length, 'to stdout without -o');
  });
});

describe('tpod rename, port, restart, start -a, rm -v, container prune', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  it('rename: the new name works everywhere, the old one is gone', async () => {
    const old = uniqueName('before');
    const renamed = uniqueName('after');
    const id = (await tpodOk(['run', '-d', '--name', old, 'busybox', 'sleep', '1000'], { store })).trim();
    await tpodOk(['rename', old, renamed], { store });
    assert.equal(await inspectField(store, renamed, '{{.Id}}'), id);
    assert.ok((await psAll(store)).includes(renamed));
    assert.ok(!(await psAll(store)).includes(old));
    assert.equal((await runTpod(['inspect', old], { store })).code, 125);
    assert.equal(await tpodOk(['exec', renamed, 'echo', 'ok'], { store }), 'ok\n');
    const other = uniqueName('other');
    await tpodOk(['create', '--name', other, 'busybox', 'true'], { store });
    const clash = await runTpod(['rename', other, renamed], { store });
    assert.equal(clash.code, 125);
    assert.match(clash.stderr, /already in use/);
  });

  it('port prints nothing for a container without published ports', async () => {
    const name = uniqueName('port');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000'], { store });
    const port = await runTpod(['port', name], { store });
    assert.equal(port.code, 0, port.stderr);
    assert.equal(port.stdout, '');
    assert.equal((await runTpod(['port', 'no-such-container'], { store })).code, 125);
  });

  it('restart runs the container again: a new process, still running', async () => {
    const name = uniqueName('restart');
    await tpodOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'], { store });
    const firstPid = Number(await inspectField(store, name, '{{.State.Pid}}'));
    await tpodOk(['restart', '-t', '2', name], { store });
    assert.equal(await inspectField(store, name, '{{.State.Status}}'), 'running');
    const secondPid = Number(await inspectField(store, name, '{{.State.Pid}}'));
    assert.ok(secondPid > 0 && secondPid !== firstPid, `${firstPid} then ${secondPid}`);
    assert.ok(!existsSync(`/proc/${firstPid}`) || !cmdlineOf(firstPid).startsWith('sh -c trap'), 'the first process is gone');

    const exited = uniqueName('restart-exited');
    await tpodOk(['run', '--name', exited, 'busybox', 'sh', '-c', 'echo run >> /runs; wc -l < /runs > /count'], { store });
    await tpodOk(['restart', exited], { store });
    await eventually(async () => ((await inspectField(store, exited, '{{.State.Status}}')) === 'exited' ? true : undefined), 'the second run to end', 15_000);
    const upper = await inspectField(store, exited, '{{.GraphDriver.Data.UpperDir}}');
    assert.equal(readFileSync(join(upper, 'count'), 'utf8').trim(), '2', 'restart of an exited container runs it again');
  });

  it('start -a attaches: output and exit status of the container', async () => {
    const name = uniqueName('attach');
    await tpodOk(['create', '--name', name, 'busybox', 'sh', '-c', 'echo attached-out; echo attached-err >&2; exit 3'], { store });
    const start = await runTpod(['start', '-a', name], { store });
    assert.equal(start.code, 3, start.stderr);
    assert.equal(start.stdout, 'attached-out\n');
    assert.equal(start.stderr, 'attached-err\n');
    assert.equal(await inspectField(store, name, '{{.State.ExitCode}}'), '3');
  });

  it('rm -v removes the container\'s anonymous volume; rm without -v keeps it', async () => {
    const volumesOf = async (name: string) => JSON.parse(await tpodOk(['inspect', '--format', '{{json .Mounts}}', name], { store })) as Inspected['Mounts'];
    const volumeNames = async () => (await tpodOk(['volume', 'ls', '-q'], { store })).split('\n').filter(Boolean);

    const withV = uniqueName('anon');
    await tpodOk(['run', '--name', withV, '-v', '/data', 'busybox', 'sh', '-c', 'echo kept > /data/f'], { store });
    const anon = (await volumesOf(withV)).find((m) => m.Destination === '/data');
    assert.ok(anon?.Name && anon.Type === 'volume', `the anonymous volume is mounted at /data: ${JSON.stringify(anon)}`);
    const before = await volumeNames();
    const volume = anon.Name;
    assert.ok(before.includes(volume), `${volume} listed: ${before.join(' ')}`);
    await tpodOk(['rm', '-v', withV], { store });
    assert.ok(!(await volumeNames()).includes(volume), 'rm -v removed it');
    assert.ok(!existsSync(anon.Source), `${anon.Source} is gone`);

    const withoutV = uniqueName('anon-kept');
    await tpodOk(['run', '--name', withoutV, '-v', '/data', 'busybox', 'true'], { store });
    const kept = (await volumesOf(withoutV)).find((m) => m.Destination === '/data')!;
    const names = await volumeNames();
    await tpodOk(['rm', withoutV], { store });
    assert.deepEqual(await volumeNames(), names, 'rm without -v keeps the volume');
    assert.ok(existsSync(kept.Source));
  });

  it('container prune removes stopped containers and keeps running ones', async () => {
    const running = uniqueName('prune-running');
    const exited = uniqueName('prune-exited');
    const created = uniqueName('prune-created');
    await tpodOk(['run', '-d', '--name', running, 'busybox', 'sleep', '1000'], { store });
    const exitedId = (await tpodOk(['run', '-d', '--name', exited, 'busybox', 'true'], { store })).trim();
    await tpodOk(['wait', exited], { store });
    const createdId = (await tpodOk(['create', '--name', created, 'busybox', 'true'], { store })).trim();
    const pruned = await tpodOk(['container', 'prune', '-f'], { store });
    const prunedIds = pruned.split('\n').filter(Boolean);
    assert.ok(prunedIds.includes(exitedId), pruned);
    assert.ok(prunedIds.includes(createdId), pruned);
    const left = await psAll(store);
    assert.ok(left.includes(running));
    assert.ok(!left.includes(exited) && !left.includes(created));
    assert.equal(await tpodOk(['container', 'prune', '-f'], { store }), '', 'nothing left to prune');
  });

  it('container prune --filter: label=, label!= and until= choose what goes', async () => {
    const teamA = uniqueName('prune-a');
    const teamB = uniqueName('prune-b');
    const plain = uniqueName('prune-plain');
    const ids: Record<string, string> = {};
    for (const [name, labels] of [[teamA, ['-l', 'team=a']], [teamB, ['-l', 'team=b']], [plain, []]] as const) {
      ids[name] = (await tpodOk(['create', '--name', name, ...labels, 'busybox', 'true'], { store })).trim();
    }
    const prune = async (...filters: string[]) => (await tpodOk(['container', 'prune', '-f', ...filters.flatMap((f) => ['--filter', f])], { store })).split('\n').filter(Boolean);
    assert.deepEqual(await prune('label=team=a'), [ids[teamA]]);
    assert.deepEqual(await prune('label!=team'), [ids[plain]], 'containers without the label');
    assert.deepEqual(await prune('until=1h'), [], 'created less than an hour ago');
    assert.deepEqual(await prune(`until=${new Date(Date.now() + 60_000).toISOString()}`), [ids[teamB]]);
    const bad = await runTpod(['container', 'prune', '-f', '--filter', 'status=exited'], { store });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: invalid filter "status=exited": container prune takes label=, label!= and until=\n$/);
  });
});

describe('tpod ps flags', () => {
  const store = busyboxStore();
  const names = { first: uniqueName('ps-first'), exited: uniqueName('ps-exited'), last: uniqueName('ps-last') };
  const ids: Record<string, string> = {};
  before(async () => {
    await store.ready;
    ids.first = (await tpodOk(['run', '-d', '--name', names.first, 'busybox', 'sleep', '1000'], { store })).trim();
    assert.equal((await runTpod(['run', '--name', names.exited, 'busybox', 'sh', '-c', 'exit 2'], { store })).code, 2);
    ids.exited = await inspectField(store, names.exited, '{{.Id}}');
    ids.last = (await tpodOk(['run', '-d', '--name', names.last, 'busybox', 'sleep', '1000'], { store })).trim();
  });
  after(() => store.cleanup());

  it('-q prints running containers\' short IDs; -a -q all; --no-trunc full IDs', async () => {
    const running = (await tpodOk(['ps', '-q'], { store })).split('\n').filter(Boolean);
    assert.deepEqual(running.sort(), [ids.first!.slice(0, 12), ids.last!.slice(0, 12)].sort());
    const all = (await tpodOk(['ps', '-a', '-q'], { store })).split('\n').filter(Boolean);
    assert.equal(all.length, 3);
    assert.ok(all.includes(ids.exited!.slice(0, 12)));
    const full = (await tpodOk(['ps', '-a', '-q', '--no-trunc'], { store })).split('\n').filter(Boolean);
    assert.deepEqual(full.sort(), Object.values(ids).sort());
  });

  it('-l shows the latest created container, -n N the last N', async () => {
    assert.deepEqual((await tpodOk(['ps', '-l', '--format', '{{.Names}}'], { store })).split('\n').filter(Boolean), [names.last]);
    const lastTwo = (await tpodOk(['ps', '-a', '-n', '2', '--format', '{{.Names}}'], { store })).split('\n').filter(Boolean);
    assert.deepEqual(lastTwo.sort(), [names.exited, names.last].sort());
  });

  it('--filter status=exited and --filter name=', async () => {
    assert.equal(await tpodOk(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'], { store }), `${names.exited}\n`);
    assert.equal(await tpodOk(['ps', '-a', '--filter', 'status=running', '-q'], { store }).then((o) => o.split('\n').filter(Boolean).length), 2);
    assert.equal(await tpodOk(['ps', '-a', '--filter', `name=${names.first}`, '--format', '{{.Names}}'], { store }), `${names.first}\n`);
    assert.equal(await tpodOk(['ps', '-a', '--filter', 'name=no-such-name', '-q'], { store }), '');
  });

  it('--format json is parseable with IDs, names and states; templates print fields', async () => {
    type Row = { Id: string; Names: string[]; State: string; ExitCode: number; Command: string[]; Created: number; StartedAt: number; ExitedAt: number; Exited: boolean; Pid: number };
    const rows = JSON.parse(await tpodOk(['ps', '-a', '--format', 'json'], { store })) as Row[];
    assert.equal(rows.length, 3);
    const byName = (name: string) => rows.find((row) => row.Names.includes(name));
    // podman's JSON types: Names and Command are arrays, times are Unix seconds.
    for (const row of rows) {
      assert.ok(Array.isArray(row.Names) && row.Names.length === 1, JSON.stringify(row.Names));
      assert.ok(Array.isArray(row.Command), JSON.stringify(row.Command));
      assert.ok(Number.isInteger(row.Created) && Math.abs(row.Created - Date.now() / 1000) < 600, `Created ${row.Created}`);
    }
    assert.equal(byName(names.first)?.Id, ids.first);
    assert.equal(byName(names.first)?.State, 'running');
    assert.ok((byName(names.first)?.Pid ?? 0) > 0);
    assert.equal(byName(names.exited)?.State, 'exited');
    assert.equal(byName(names.exited)?.ExitCode, 2);
    assert.equal(byName(names.exited)?.Exited, true);
    assert.ok((byName(names.exited)?.ExitedAt ?? 0) >= (byName(names.exited)?.StartedAt ?? Infinity), 'exited after it started');
    assert.deepEqual(byName(names.exited)?.Command, ['sh', '-c', 'exit 2']);
    const template = await tpodOk(['ps', '-a', '--filter', `name=${names.exited}`, '--format', '{{.ID}} {{.Names}} {{.Status}}'], { store });
    assert.match(template, new RegExp(`^${ids.exited!.slice(0, 12)} ${names.exited} Exited \\(2\\) .+ago\\n$`));
  });

  it('the default table has podman\'s columns', async () => {
    const header = (await tpodOk(['ps', '-a'], { store })).split('\n')[0]!;
    assert.deepEqual(header.trim().split(/\s{2,}/), ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']);
  });
});

describe('tpod labels: --label, --label-file, the image\'s labels, ps and images --filter label=', () => {
  const store = busyboxStore();
  const work = tempDir('tpod-labels-');
  let labeledImage = '';
  before(async () => {
    await store.ready;
    // An image with labels of its own: the busybox fixture with two labels added by umoci.
    const layout = join(work.path, 'oci');
    execFileSync('skopeo', ['copy', '-q', `oci:${fixtureLayout()}:busybox`, `oci:${layout}:busybox`]);
    execFileSync('umoci', ['config', '--image', `${layout}:busybox`, '--tag', 'labeled', '--config.label', 'from-image=yes', '--config.label', 'shared=image']);
    labeledImage = (await tpodOk(['pull', '-q', `oci:${layout}:labeled`], { store })).trim();
  });
  after(async () => {
    await store.cleanup();
    work.remove();
  });

  it('inspect shows the image\'s labels under the file\'s and the flags\'; ps and images filter on them', async () => {
    const file = join(work.path, 'labels');
    writeFileSync(file, '# a comment\n\nfrom-file=1\nshared=file\nno-equals-sign\n');
    const name = uniqueName('labeled');
    const plain = uniqueName('unlabeled');
    await tpodOk(['create', '--name', name, '--label-file', file, '-l', 'shared=flag', '--label', 'empty', '-l', 'url=http://x/?a=b', labeledImage, 'true'], { store });
    await tpodOk(['create', '--name', plain, 'busybox', 'true'], { store });

    const labels = JSON.parse(await inspectField(store, name, '{{json .Config.Labels}}')) as Record<string, string>;
    assert.deepEqual(labels, { 'from-image': 'yes', shared: 'flag', 'from-file': '1', empty: '', url: 'http://x/?a=b' });
    assert.equal(await inspectField(store, plain, '{{json .Config.Labels}}'), 'null', 'none: null, as podman');

    const filtered = async (filter: string) => (await tpodOk(['ps', '-a', '--filter', filter, '--format', '{{.Names}}'], { store })).split('\n').filter(Boolean);
    assert.deepEqual(await filtered('label=shared=flag'), [name]);
    assert.deepEqual(await filtered('label=empty'), [name], 'a key alone matches any value');
    assert.deepEqual(await filtered('label=url=http://x/?a=b'), [name], 'a value may hold "="');
    assert.deepEqual(await filtered('label=shared=image'), [], 'the flag overrode the image\'s value');
    assert.deepEqual(await filtered('label=no-equals-sign'), [], 'a file line without "=" is skipped, as podman');
    assert.deepEqual(await filtered('label!=shared'), [plain], 'label!= keeps those without it');

    type Row = { Names: string[]; Labels: Record<string, string> | null };
    const rows = JSON.parse(await tpodOk(['ps', '-a', '--format', 'json'], { store })) as Row[];
    assert.equal(rows.find((row) => row.Names.includes(name))?.Labels?.['from-file'], '1');
    assert.equal(rows.find((row) => row.Names.includes(plain))?.Labels, null);

    const images = await tpodOk(['images', '-q', '--no-trunc', '--filter', 'label=from-image=yes'], { store });
    assert.equal(images.trim(), `sha256:${labeledImage}`, "podman prints full IDs with their algorithm");
  });

  it('a label without a name or a missing label file: one line, exit 125, nothing created', async () => {
    const before = await psAll(store);
    const noName = await runTpod(['create', '-l', '=x', 'busybox', 'true'], { store });
    assert.equal(noName.code, 125);
    assert.match(noName.stderr, /^Error: invalid label --label "=x": the name is empty\n$/);
    const missing = await runTpod(['create', '--label-file', join(work.path, 'no-such-file'), 'busybox', 'true'], { store });
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /^Error: label file .*no-such-file: no such file or directory\n$/);
    assert.deepEqual(await psAll(store), before);
  });
});
