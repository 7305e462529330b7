// Volumes and the container's view of its filesystem: `tpod volume create/ls/inspect/rm/
// prune`, a named volume's data outliving the containers that wrote it, a read-only bind
// mount refusing writes while the host's files stay untouched, --tmpfs and --read-only.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxStore, uniqueName } from '../helpers/containers.js';
import { runTpod, tempDir, tpodOk } from '../helpers/tpod.js';

interface VolumeReport {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels: Record<string, string>;
  Anonymous?: boolean;
}

describe('tpod volume', () => {
  const store = busyboxStore();
  before(() => store.ready);
  after(() => store.cleanup());

  const volumeNames = async (): Promise<string[]> => (await tpodOk(['volume', 'ls', '-q'], { store })).split('\n').filter(Boolean);

  it('create, ls, inspect, rm: a local volume with its own directory', async () => {
    const name = uniqueName('vol');
    assert.equal((await tpodOk(['volume', 'create', name], { store })).trim(), name);
    assert.ok((await volumeNames()).includes(name));
    const table = await tpodOk(['volume', 'ls'], { store });
    assert.match(table.split('\n')[0]!, /^DRIVER\s+VOLUME NAME\s*$/);
    assert.match(table, new RegExp(`^local\\s+${name}$`, 'm'));

    const [report] = JSON.parse(await tpodOk(['volume', 'inspect', name], { store })) as VolumeReport[];
    assert.equal(report!.Name, name);
    assert.equal(report!.Driver, 'local');
    assert.ok(report!.Mountpoint.startsWith(store.root), `${report!.Mountpoint} is in the store`);
    assert.ok(existsSync(report!.Mountpoint));

    const again = await runTpod(['volume', 'create', name], { store });
    assert.equal(again.code, 125, 'a name in use is refused');
    assert.match(again.stderr, new RegExp(name));

    assert.equal((await tpodOk(['volume', 'rm', name], { store })).trim(), name);
    assert.ok(!(await volumeNames()).includes(name));
    assert.ok(!existsSync(report!.Mountpoint), 'its directory is gone');
    const missing = await runTpod(['volume', 'inspect', name], { store });
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /no such volume/);
  });

  it('rm refuses a volume a container uses (125) until that container is gone', async () => {
    const volume = uniqueName('used');
    const container = uniqueName('user');
    await tpodOk(['volume', 'create', volume], { store });
    await tpodOk(['create', '--name', container, '-v', `${volume}:/data`, 'busybox', 'true'], { store });
    const refused = await runTpod(['volume', 'rm', volume], { store });
    assert.equal(refused.code, 125, refused.stderr);
    assert.match(refused.stderr, new RegExp(`volume ${volume} is being used by the following container\\(s\\): ${container}`));
    assert.ok((await volumeNames()).includes(volume));
    await tpodOk(['rm', container], { store });
    await tpodOk(['volume', 'rm', volume], { store });
    assert.ok(!(await volumeNames()).includes(volume));
  });

  it('prune removes volumes no container uses and keeps the used ones', async () => {
    const unused = uniqueName('unused');
    const used = uniqueName('inuse');
    const container = uniqueName('keeper');
    await tpodOk(['volume', 'create', unused], { store });
    await tpodOk(['volume', 'create', used], { store });
    await tpodOk(['create', '--name', container, '-v', `${used}:/data`, 'busybox', 'true'], { store });
    const pruned = (await tpodOk(['volume', 'prune', '-f'], { store })).split('\n').filter(Boolean);
    assert.ok(pruned.includes(unused), pruned.join(' '));
    assert.ok(!pruned.includes(used));
    const left = await volumeNames();
    assert.ok(left.includes(used) && !left.includes(unused));
    await tpodOk(['rm', container], { store });
  });
});

describe('volumes and mounts inside containers', () => {
  const store = busyboxStore();
  const host = tempDir('tpod-bind-');
  before(() => store.ready);
  after(async () => {
    await store.cleanup();
    host.remove();
  });

  it('-v NAME:/path: data written by one container is read by the next; the volume is created on first use', async () => {
    const volume = uniqueName('data');
    const write = await runTpod(['run', '--rm', '-v', `${volume}:/data`, 'busybox', 'sh', '-c', 'echo persisted > /data/file; ls -ld /data | cut -c1-10'], { store });
    assert.equal(write.code, 0, write.stderr);
    assert.ok((await tpodOk(['volume', 'ls', '-q'], { store })).split('\n').includes(volume), 'created by run');
    assert.equal(await tpodOk(['run', '--rm', '-v', `${volume}:/mnt/other`, 'busybox', 'cat', '/mnt/other/file'], { store }), 'persisted\n');
    const [report] = JSON.parse(await tpodOk(['volume', 'inspect', volume], { store })) as VolumeReport[];
    assert.equal(readFileSync(join(report!.Mountpoint, 'file'), 'utf8'), 'persisted\n', 'the data is in the volume\'s directory');
  });

  it('-v a volume:ro mounts it read-only', async () => {
    const volume = uniqueName('rovol');
    await tpodOk(['run', '--rm', '-v', `${volume}:/data`, 'busybox', 'sh', '-c', 'echo before > /data/f'], { store });
    const ro = await runTpod(['run', '--rm', '-v', `${volume}:/data:ro`, 'busybox', 'sh', '-c', 'cat /data/f; echo after > /data/f'], { store });
    assert.equal(ro.code, 1);
    assert.equal(ro.stdout, 'before\n');
    assert.match(ro.stderr, /Read-only file system/);
  });

  it('-v /host:/ctr:ro shows the host files and refuses writes; without :ro writes reach the host', async () => {
    writeFileSync(join(host.path, 'from-host'), 'host data\n');
    const ro = await runTpod(['run', '--rm', '-v', `${host.path}:/h:ro`, 'busybox', 'sh', '-c', 'cat /h/from-host; echo x > /h/new; echo status=$?'], { store });
    assert.equal(ro.code, 0, ro.stderr);
    assert.equal(ro.stdout, 'host data\nstatus=1\n');
    assert.match(ro.stderr, /Read-only file system/);
    assert.ok(!existsSync(join(host.path, 'new')));

    const rw = await runTpod(['run', '--rm', '-v', `${host.path}:/h`, 'busybox', 'sh', '-c', 'echo from-ctr > /h/new'], { store });
    assert.equal(rw.code, 0, rw.stderr);
    assert.equal(readFileSync(join(host.path, 'new'), 'utf8'), 'from-ctr\n');
    assert.equal(readFileSync(join(host.path, 'from-host'), 'utf8'), 'host data\n');

    const missing = await runTpod(['run', '--rm', '-v', `${join(host.path, 'no-such-dir')}:/h`, 'busybox', 'true'], { store });
    assert.equal(missing.code, 125, 'a missing host path is refused');
    assert.match(missing.stderr, /no-such-dir/);
  });

  it('--tmpfs mounts an empty writable tmpfs that does not outlive the container', async () => {
    const name = uniqueName('tmpfs');
    const run = await runTpod(['run', '--name', name, '--tmpfs', '/scratch', 'busybox', 'sh', '-c', 'grep " /scratch " /proc/mounts; ls -A /scratch | wc -l; echo data > /scratch/f && cat /scratch/f'], { store });
    assert.equal(run.code, 0, run.stderr);
    const [mount, count, content] = run.stdout.split('\n');
    assert.match(mount!, /^tmpfs \/scratch tmpfs rw,/);
    assert.match(mount!, /nosuid/);
    assert.match(mount!, /nodev/);
    assert.equal(count!.trim(), '0', 'empty at first');
    assert.equal(content, 'data');
    const upper = (await tpodOk(['inspect', '--format', '{{.GraphDriver.Data.UpperDir}}', name], { store })).trim();
    assert.ok(!existsSync(join(upper, 'scratch', 'f')), 'not written to the container\'s own layer');
    const second = await runTpod(['start', '-a', name], { store });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^0$/m, 'empty again on the next start');
  });

  it('--mount type=bind|volume|tmpfs: the same mounts as -v and --tmpfs, in docker\'s long form', async () => {
    writeFileSync(join(host.path, 'long-form'), 'bound\n');
    const volume = uniqueName('mountvol');
    const name = uniqueName('mountflag');
    const run = await runTpod(
      [
        'run', '--name', name,
        '--mount', `type=bind,src=${host.path},dst=/h,readonly`,
        '--mount', `type=volume,source=${volume},target=/v`,
        '--mount', 'type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700',
        'busybox', 'sh', '-c', 'cat /h/long-form; echo x > /h/no; echo ro=$?; echo kept > /v/f; grep " /t " /proc/mounts; stat -c %a /t',
      ],
      { store },
    );
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], 'bound');
    assert.equal(lines[1], 'ro=1', 'readonly refuses writes');
    assert.match(lines[2]!, /^tmpfs \/t tmpfs rw,.*size=1024k/);
    assert.equal(lines[3], '700');
    assert.equal(await tpodOk(['run', '--rm', '-v', `${volume}:/again`, 'busybox', 'cat', '/again/f'], { store }), 'kept\n', 'a named volume, created on first use');
    const mounts = JSON.parse(await tpodOk(['inspect', '--format', '{{json .Mounts}}', name], { store })) as Array<{ Type: string; Destination: string; RW: boolean; Name?: string }>;
    assert.deepEqual(
      mounts.map((m) => [m.Type, m.Destination, m.RW]).sort(),
      [
        ['bind', '/h', false],
        ['tmpfs', '/t', true],
        ['volume', '/v', true],
      ].sort(),
    );

    for (const [flag, message] of [
      ['type=bind,dst=/x', /a bind mount needs source=\/absolute\/host\/path/],
      ['type=tmpfs', /destination \(dst, target\) is required/],
      ['type=image,src=busybox,dst=/i', /type "image" is not supported/],
      [`type=bind,src=${host.path},dst=/x,tmpfs-size=1m`, /tmpfs-size does not apply to type=bind/],
    ] as const) {
      const bad = await runTpod(['run', '--rm', '--mount', flag, 'busybox', 'true'], { store });
      assert.equal(bad.code, 125, flag);
      assert.match(bad.stderr, message);
      assert.equal(bad.stderr.split('\n').filter(Boolean).length, 1, 'one line');
    }
  });

  it('--read-only: the root filesystem refuses writes; /tmp and volumes stay writable', async () => {
    const volume = uniqueName('rw');
    const run = await runTpod(
      ['run', '--rm', '--read-only', '-v', `${volume}:/data`, 'busybox', 'sh', '-c', 'touch /rootfile; echo root=$?; touch /tmp/t; echo tmp=$?; touch /data/d; echo data=$?'],
      { store },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'root=1\ntmp=0\ndata=0\n');
    assert.match(run.stderr, /Read-only file system/);
    const writable = await runTpod(['run', '--rm', 'busybox', 'sh', '-c', 'touch /rootfile; echo root=$?'], { store });
    assert.equal(writable.stdout, 'root=0\n', 'without --read-only the root is writable');
  });
});
