/**
 * Rootless snapshots with fuse-overlayfs, as a real unprivileged user: chosen with
 * `--storage-driver fuse-overlayfs`, and by default where the kernel refuses overlayfs in a
 * user namespace (here: a store on an overlayfs, as inside another container). The mount is
 * held by a fuse-overlayfs process in namespaces of its own; these tests check what a user
 * sees (ids, whiteouts, writes landing on subordinate ids) and that the process goes with
 * the container, even after a kill -9.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureRef } from '../helpers/env.js';
import { installUserUnit, removeUserUnit, rootlessUser, userOk, type RootlessUser } from '../helpers/rootless-user.js';
import { uniqueName } from '../helpers/containers.js';
import { runTpod, tempStore } from '../helpers/tpod.js';

const busybox = () => fixtureRef('busybox');
const multilayer = () => fixtureRef('multilayer');
const FUSE = ['--storage-driver', 'fuse-overlayfs'];

describe('rootless fuse-overlayfs snapshots', () => {
  const user = rootlessUser();
  const store = () => join(user.home, '.local', 'share', 'tpod');
  before(async () => {
    await user.ready;
    await userOk(user, ['pull', '-q', busybox()]);
    await userOk(user, ['pull', '-q', multilayer()]);
  });
  after(() => user.remove());

  it('--storage-driver fuse-overlayfs: image ids and whiteouts as in the image, writes of uid 1000 on subuid+999, nothing left after --rm', async () => {
    const out = await userOk(user, ['run', '--rm', ...FUSE, multilayer(), 'sh', '-c', 'id -u; cd /data && stat -c "%u:%g %a %n" private script.sh setuid tuser-dir && ls dir-opaque && ls']);
    const lines = out.trim().split('\n');
    assert.equal(lines[0], '0');
    assert.deepEqual(lines.slice(1, 5), ['1000:1000 600 private', '65534:65534 755 script.sh', '0:0 4755 setuid', '1000:1000 750 tuser-dir']);
    assert.equal(lines[5], 'new.txt');
    const listing = lines.slice(6);
    assert.ok(listing.includes('keep.txt') && listing.includes('layer4.txt'), listing.join(' '));
    assert.ok(!listing.includes('remove-me.txt') && !listing.includes('dir-deleted'), listing.join(' '));
    const name = uniqueName('fz');
    await userOk(user, ['run', ...FUSE, '-u', '1000', '--name', name, multilayer(), 'sh', '-c', 'echo x > /data/tuser-dir/by-1000']);
    const [id, driver] = (await userOk(user, ['inspect', '--format', '{{.Id}} {{.GraphDriver.Name}}', name])).trim().split(' ');
    assert.equal(driver, 'fuse-overlayfs');
    // The container's write, on the host: container uid 1000 is the user's subuid + 999.
    const written = statSync(join(store(), 'containers', id!, 'snapshot', 'upper', 'data', 'tuser-dir', 'by-1000'));
    assert.equal(written.uid, user.subuid! + 999);
    assert.equal(holders(user), '', 'the fuse-overlayfs process ended with the container');
    await userOk(user, ['rm', name]);
    await userOk(user, ['run', '--rm', ...FUSE, busybox(), 'true']);
    assert.equal(holders(user), '');
    assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), /fuse-overlayfs/, 'nothing was mounted on the host');
  });

  it('detached: exec, logs, stop and a second start work; the fuse-overlayfs process is in the monitor scope and goes at stop', async () => {
    const name = uniqueName('fzd');
    const id = (await userOk(user, ['run', '-d', ...FUSE, '--name', name, busybox(), 'sh', '-c', 'echo started; echo kept > /kept; trap "exit 0" TERM; while true; do sleep 1; done'])).trim();
    const holder = holders(user);
    assert.match(holder, /^\d+$/, 'one fuse-overlayfs process');
    assert.match(readFileSync(`/proc/${holder}/cgroup`, 'utf8'), new RegExp(`tpod-conmon-${id}\\.scope`));
    const exec = await user.tpod(['exec', '-u', '1000', name, 'sh', '-c', 'id -u; cat /kept; exit 4']);
    assert.equal(exec.code, 4, exec.stderr);
    assert.equal(exec.stdout, '1000\nkept\n');
    assert.match(await userOk(user, ['logs', name]), /started/);
    await userOk(user, ['stop', '-t', '5', name]);
    assert.match(await userOk(user, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']), new RegExp(`${name} Exited \\(0\\)`));
    assert.equal(await waitForNoHolder(user), '');
    await userOk(user, ['start', name]);
    assert.equal((await userOk(user, ['exec', name, 'cat', '/kept'])).trim(), 'kept', 'the container\'s writes survive a restart');
    await userOk(user, ['rm', '-f', '-t', '0', name]);
    assert.equal(await waitForNoHolder(user), '');
    assert.equal(spawnSync('ls', [join(store(), 'containers')], { encoding: 'utf8' }).stdout.trim(), '');
  });

  it('cp in and out of a stopped and a running container; the process started for a stopped one ends with the copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-fz-cp-'));
    const name = uniqueName('fzc');
    try {
      chmodSync(dir, 0o777);
      writeFileSync(join(dir, 'in.txt'), 'from the host\n');
      await userOk(user, ['create', ...FUSE, '--name', name, busybox(), 'sh', '-c', 'cat /in.txt; sleep 1000']);
      await userOk(user, ['cp', join(dir, 'in.txt'), `${name}:/in.txt`]);
      assert.equal(holders(user), '', 'no fuse-overlayfs process left by the copy');
      await userOk(user, ['start', name]);
      await userOk(user, ['cp', `${name}:/in.txt`, join(dir, 'back.txt')]);
      assert.equal(readFileSync(join(dir, 'back.txt'), 'utf8'), 'from the host\n');
      assert.equal(statSync(join(dir, 'back.txt')).uid, user.uid);
    } finally {
      await user.tpod(['rm', '-f', '-t', '0', name]);
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(await waitForNoHolder(user), '');
  });

  it('generate systemd: the user unit starts the container on fuse-overlayfs and its stop ends the fuse-overlayfs process', async () => {
    const name = uniqueName('fzg');
    await userOk(user, ['create', ...FUSE, '--name', name, busybox(), 'sleep', '1000']);
    const unitName = await installUserUnit(user, name);
    try {
      const start = await user.run(['systemctl', '--user', 'start', unitName]);
      assert.equal(start.code, 0, start.stderr);
      assert.match(await userOk(user, ['ps', '--format', '{{.Names}} {{.Status}}']), new RegExp(`${name} Up`));
      assert.match(holders(user), /^\d+$/);
      assert.equal((await userOk(user, ['exec', name, 'echo', 'inside'])).trim(), 'inside');
      const stop = await user.run(['systemctl', '--user', 'stop', unitName]);
      assert.equal(stop.code, 0, stop.stderr);
      assert.equal(await waitForNoHolder(user), '');
    } finally {
      await removeUserUnit(user, unitName);
      await user.tpod(['rm', '-f', '-t', '0', name]);
    }
  });

  it('a kill -9 of the fuse-overlayfs process breaks only its container, and rm -f still removes everything', async () => {
    const name = uniqueName('fzk');
    await userOk(user, ['run', '-d', ...FUSE, '--name', name, busybox(), 'sleep', '1000']);
    const holder = holders(user);
    assert.match(holder, /^\d+$/);
    process.kill(Number(holder), 'SIGKILL');
    await userOk(user, ['rm', '-f', '-t', '0', name]);
    assert.equal(await waitForNoHolder(user), '');
    assert.doesNotMatch(await userOk(user, ['ps', '-a', '--format', '{{.Names}}']), new RegExp(name));
    assert.equal(spawnSync('ls', [join(store(), 'containers')], { encoding: 'utf8' }).stdout.trim(), '');
  });

  it('is the default where overlayfs cannot be mounted in a user namespace (a store on an overlayfs)', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tpod-fz-ov-'));
    chmodSync(base, 0o755);
    const mountPoint = join(base, 'merged');
    for (const dir of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(base, dir));
    const mounted = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base}/lower,upperdir=${base}/upper,workdir=${base}/work`, mountPoint], { encoding: 'utf8' });
    assert.equal(mounted.status, 0, mounted.stderr);
    const args = ['--root', join(mountPoint, 'store'), '--runroot', join(user.runtimeDir, 'tpod-fz-ov')];
    try {
      chownSync(mountPoint, user.uid, user.uid);
      await userOk(user, [...args, 'pull', '-q', busybox()]);
      const name = uniqueName('fzo');
      assert.equal(await userOk(user, [...args, 'run', '--name', name, busybox(), 'sh', '-c', 'echo on fuse > /f; cat /f']), 'on fuse\n');
      assert.equal((await userOk(user, [...args, 'inspect', '--format', '{{.GraphDriver.Name}}', name])).trim(), 'fuse-overlayfs');
      assert.equal(JSON.parse(await userOk(user, [...args, 'info', '--format', 'json'])).store.graphDriverName, 'fuse-overlayfs');
      const verdict = JSON.parse(readFileSync(join(mountPoint, 'store', 'overlay-in-user-namespace.json'), 'utf8'));
      assert.equal(verdict.supported, false);
      // The explicit choice is kept, and fails as the kernel says.
      const native = await user.tpod([...args, 'run', '--rm', '--storage-driver', 'overlay', busybox(), 'true']);
      assert.notEqual(native.code, 0);
      assert.match(native.stderr, /overlay/);
      await userOk(user, [...args, 'rm', '-a', '-f']);
      await userOk(user, [...args, 'rmi', '-a', '-f']);
    } finally {
      await user.tpod([...args, 'rm', '-a', '-f']);
      await user.run(['rm', '-rf', join(user.runtimeDir, 'tpod-fz-ov')]);
      spawnSync('umount', [mountPoint]);
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('errors in one line: /dev/fuse the user cannot open, fuse-overlayfs as root', async () => {
    // The host's own node (0600 root) instead of the sandbox's 0666 one, for this command only.
    const wrapper = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'umount /dev/fuse && exec "$@"', 'sh'];
    const denied = await user.tpod(['run', '--rm', ...FUSE, busybox(), 'true'], { wrapper });
    assert.equal(denied.code, 125, denied.stderr);
    const [message, hint, ...rest] = denied.stderr.trim().split('\n');
    assert.match(message!, /^Error: cannot mount the filesystem of container [0-9a-f]{64} with fuse-overlayfs: .*Permission denied/);
    assert.match(hint!, /\/dev\/fuse/);
    assert.deepEqual(rest, []);
    assert.equal(holders(user), '');
    assert.doesNotMatch(await userOk(user, ['ps', '-a', '--format', '{{.Names}}']), /./, 'the --rm container is gone');
    const rootStore = tempStore('tpod-fz-root-');
    try {
      const asRoot = await runTpod(['create', ...FUSE, busybox(), 'true'], { store: rootStore });
      assert.equal(asRoot.code, 125);
      assert.match(asRoot.stderr, /^Error: storage driver fuse-overlayfs is for rootless use: as root, use overlay\n/);
    } finally {
      rootStore.remove();
    }
  });
});

/** PIDs of the user's fuse-overlayfs processes, one per line ('' for none). */
function holders(user: RootlessUser): string {
  return spawnSync('pgrep', ['-u', String(user.uid), '-x', 'fuse-overlayfs'], { encoding: 'utf8' }).stdout.trim();
}

/** conmon's exit command stops the process right after the container: give it a moment. */
async function waitForNoHolder(user: RootlessUser, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (holders(user) !== '' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return holders(user);
}
