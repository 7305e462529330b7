/**
 * Rootless tpod as a real unprivileged user (made here, with subordinate ids and its own
 * systemd user manager): pull, run with exit codes, -it through a pseudo-terminal,
 * detached run + logs + exec + stop + rm as scopes of the user's manager, ownership inside
 * and outside the container, unshare, and the errors a misconfigured session gets.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureRef } from '../helpers/env.js';
import { installUserUnit, removeUserUnit, rootlessUser, userOk } from '../helpers/rootless-user.js';
import { uniqueName } from '../helpers/containers.js';
import { runTpod, tempStore, TPOD_BIN } from '../helpers/tpod.js';

const busybox = () => fixtureRef('busybox');
const multilayer = () => fixtureRef('multilayer');

describe('rootless: an unprivileged user with subordinate ids', () => {
  const user = rootlessUser();
  before(async () => {
    await user.ready;
    await userOk(user, ['pull', '-q', busybox()]);
  });
  after(() => user.remove());

  it('pulls into ~/.local/share/tpod, private to the user (0700, database 0600)', async () => {
    const store = join(user.home, '.local', 'share', 'tpod');
    assert.equal(statSync(store).mode & 0o777, 0o700);
    assert.equal(statSync(store).uid, user.uid);
    assert.equal(statSync(join(store, 'tpod.db')).mode & 0o777, 0o600);
    const info = JSON.parse(await userOk(user, ['info', '--format', 'json']));
    assert.equal(info.host.security.rootless, true);
    assert.equal(info.host.systemd.bus, 'user');
    assert.deepEqual(info.host.idMappings.uidmap[1], { containerID: 1, hostID: user.subuid, size: 65536 });
    assert.equal(info.store.graphRoot, store);
    assert.equal(info.store.graphDriverName, 'overlay', 'this kernel mounts overlayfs in a user namespace');
    const images = await userOk(user, ['images', '--format', '{{.Repository}}']);
    assert.match(images, /library\/busybox/);
    // root's store (a fresh one) does not see the user's image
    const rootStore = tempStore('tpod-rl-root-');
    try {
      assert.equal((await runTpod(['images', '-q'], { store: rootStore })).stdout.trim(), '');
    } finally {
      rootStore.remove();
    }
  });

  it('runs foreground containers as container root = the user, passing exit codes 0, 3 and 127', async () => {
    const ok = await user.tpod(['run', '--rm', busybox(), 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
    assert.equal(ok.code, 0, ok.stderr);
    const [uid, ...map] = ok.stdout.trim().split('\n');
    assert.equal(uid, '0');
    assert.deepEqual(map.map((line) => line.trim().split(/\s+/).map(Number)), [
      [0, user.uid, 1],
      [1, user.subuid, 65536],
    ]);
    assert.equal((await user.tpod(['run', '--rm', busybox(), 'sh', '-c', 'exit 3'])).code, 3);
    // --network none: only lo; --network host: the host's interfaces (and its /sys, bound).
    const devices = async (network: string) => (await userOk(user, ['run', '--rm', '--network', network, busybox(), 'ls', '/sys/class/net'])).trim().split('\n');
    assert.deepEqual(await devices('none'), ['lo']);
    assert.ok((await devices('host')).length > 1);
    const missing = await user.tpod(['run', '--rm', busybox(), 'no-such-command']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /no-such-command/);
  });

  it('shows image files of uid 0, 1000 and 65534 as such inside; whiteouts and opaque dirs apply; the host sees subordinate ids', async () => {
    await userOk(user, ['pull', '-q', multilayer()]);
    const out = await userOk(user, ['run', '--rm', multilayer(), 'sh', '-c', 'cd /data && stat -c "%u:%g %a %n" private script.sh setuid tuser-dir && ls dir-opaque && ls']);
    const lines = out.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4), ['1000:1000 600 private', '65534:65534 755 script.sh', '0:0 4755 setuid', '1000:1000 750 tuser-dir']);
    assert.deepEqual(lines[4], 'new.txt');
    const listing = lines.slice(5);
    assert.ok(listing.includes('keep.txt') && listing.includes('layer4.txt'), listing.join(' '));
    assert.ok(!listing.includes('remove-me.txt') && !listing.includes('dir-deleted'), listing.join(' '));
    // On the host the same files belong to the user's subordinate ids (container uid N → subuid + N - 1).
    const layers = join(user.home, '.local', 'share', 'tpod', 'layers');
    const owners = readdirSync(layers)
      .filter((name) => /^[0-9a-f]{64}$/.test(name))
      .flatMap((name) => {
        try {
          const s = statSync(join(layers, name, 'data', 'private'));
          return [`${s.uid}:${s.gid}`];
        } catch {
          return [];
        }
      });
    assert.deepEqual(owners, [`${user.subuid! + 999}:${user.subgid! + 999}`]);
  });

  it('gives -it a real terminal through a pseudo-terminal, and the exit code of the shell', async () => {
    const command = `${user.tpodPath} run -it --rm ${busybox()} sh -c 'tty; read line; echo got:$line; exit 5'`;
    const r = await user.run(['script', '-qec', command, '/dev/null'], { input: 'hello\n', timeoutMs: 60_000 });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /got:hello/);
  });

  it('runs detached: logs, exec, a scope of the user manager, top, stop, rm; no tpod process stays', async () => {
    const name = uniqueName('rl');
    const id = (await userOk(user, ['run', '-d', '--name', name, busybox(), 'sh', '-c', 'echo started; trap "exit 0" TERM; while true; do sleep 1; done'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(await userOk(user, ['ps', '--format', '{{.Names}} {{.Status}}']), new RegExp(`${name} Up`));
    const logs = await waitFor(async () => ((await user.tpod(['logs', name])).stdout.includes('started') ? true : undefined), 'the log line');
    assert.ok(logs);
    const exec = await user.tpod(['exec', '-u', '1000', name, 'sh', '-c', 'id -u; exit 4']);
    assert.equal(exec.code, 4);
    assert.equal(exec.stdout.trim(), '1000');
    const status = await user.run(['systemctl', '--user', '--no-pager', 'status', `tpod-${id}.scope`]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`tpod container ${name}`));
    assert.match(status.stdout, /user@\d+\.service/);
    assert.match(status.stdout, /sleep|sh -c/);
    assert.match(await userOk(user, ['top', name]), /sh -c/);
    const nodes = spawnSync('pgrep', ['-u', String(user.uid), '-x', 'node'], { encoding: 'utf8' });
    assert.equal(nodes.stdout.trim(), '', 'no tpod process of the user remains');
    await userOk(user, ['stop', '-t', '5', name]);
    assert.match(await userOk(user, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']), new RegExp(`${name} Exited \\(0\\)`));
    await userOk(user, ['rm', name]);
    assert.doesNotMatch(await userOk(user, ['ps', '-a', '--format', '{{.Names}}']), new RegExp(name));
    assert.deepEqual(readdirSync(join(user.home, '.local', 'share', 'tpod', 'containers')), []);
    assert.equal(statSync(join(user.runtimeDir, 'tpod')).uid, user.uid);
  });

  it('a bind mount: container root writes as the user, uid 1000 as subuid+999; a root-only host file stays unreadable', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'tpod-rl-bind-'));
    try {
      chmodSync(shared, 0o777);
      writeFileSync(join(shared, 'secret'), 'root only\n', { mode: 0o600 });
      const volume = `${shared}:/shared`;
      await userOk(user, ['run', '--rm', '-v', volume, busybox(), 'sh', '-c', 'echo a > /shared/by-root']);
      await userOk(user, ['run', '--rm', '-u', '1000', '-v', volume, busybox(), 'sh', '-c', 'echo b > /shared/by-1000']);
      assert.equal(statSync(join(shared, 'by-root')).uid, user.uid);
      assert.equal(statSync(join(shared, 'by-1000')).uid, user.subuid! + 999);
      const secret = await user.tpod(['run', '--rm', '-v', volume, busybox(), 'cat', '/shared/secret']);
      assert.equal(secret.code, 1);
      assert.match(secret.stderr, /Permission denied/);
      assert.doesNotMatch(secret.stdout, /root only/);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('--device: the host node is bound in; a node the user cannot open stays closed inside', async () => {
    // /dev/fuse is 0666 (the user may open it), /dev/net/tun 0600 root's (the user may not).
    const out = await userOk(user, ['run', '--rm', '--device', '/dev/fuse', '--device', '/dev/net/tun:/dev/tun0', busybox(), 'sh', '-c', 'ls -l /dev/fuse | cut -c1; cat /dev/tun0 2>&1; true']);
    assert.match(out, /^c\n/, '/dev/fuse is a character device inside');
    assert.match(out, /Permission denied/, 'no more access than the user has on the host');
  });

  it('rm of a container that wrote files as other users, and rmi of its image, leave nothing behind', async () => {
    const name = uniqueName('rlw');
    await userOk(user, ['run', '--name', name, multilayer(), 'sh', '-c', 'mkdir -p /w/d && echo x > /w/d/f && chown -R 1000:1000 /w && chmod 500 /w/d']);
    await userOk(user, ['rm', name]);
    await userOk(user, ['rmi', multilayer()]);
    const layers = readdirSync(join(user.home, '.local', 'share', 'tpod', 'layers')).filter((n) => /^[0-9a-f]{64}$/.test(n));
    assert.equal(layers.length, 1, 'only the busybox layer stays');
  });

  it('stops a container running as uid 1000 (a subordinate id); refuses pause (v1), and mount outside tpod unshare, with the reason', async () => {
    const name = uniqueName('rlu');
    await userOk(user, ['run', '-d', '-u', '1000', '--name', name, busybox(), 'sleep', '1000']);
    assert.match(await userOk(user, ['top', name, 'user,args']), new RegExp(`${user.subuid! + 999} +sleep 1000`));
    const pause = await user.tpod(['pause', name]);
    assert.equal(pause.code, 125);
    assert.match(pause.stderr, /pause and unpause are not supported for rootless containers on a cgroup v1 host/);
    const mount = await user.tpod(['mount', name]);
    assert.equal(mount.code, 125);
    assert.match(mount.stderr, /in rootless mode outside the user namespace\nTry: run it inside `tpod unshare`/);
    await userOk(user, ['stop', '-t', '1', name]);
    assert.match(await userOk(user, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']), new RegExp(`${name} Exited \\(137\\)`));
    await userOk(user, ['rm', name]);
  });

  it('cp and export of stopped and running containers: files in as container root, out as the user; mount inside tpod unshare', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-rl-cp-'));
    const stopped = uniqueName('rlcs');
    const running = uniqueName('rlcr');
    try {
      chmodSync(dir, 0o777);
      writeFileSync(join(dir, 'in.txt'), 'from the host\n', { mode: 0o644 });
      await userOk(user, ['create', '--name', stopped, multilayer(), 'sh', '-c', 'stat -c "%u %n" /in.txt; cat /in.txt']);
      await userOk(user, ['cp', join(dir, 'in.txt'), `${stopped}:/in.txt`]);
      assert.equal(await userOk(user, ['start', '-a', stopped]), '0 /in.txt\nfrom the host\n');
      await userOk(user, ['cp', `${stopped}:/data/private`, join(dir, 'private')]);
      assert.equal(readFileSync(join(dir, 'private'), 'utf8').length > 0, true);
      assert.equal(statSync(join(dir, 'private')).uid, user.uid, 'copied out as the user');
      await userOk(user, ['export', '-o', join(dir, 'stopped.tar'), stopped]);
      const listing = spawnSync('tar', ['-tvf', join(dir, 'stopped.tar')], { encoding: 'utf8' }).stdout;
      assert.match(listing, /1000\/1000 .* data\/private\n/, 'owners as the container sees them');
      assert.match(listing, / in\.txt\n/);
      assert.doesNotMatch(listing, / \.\//, 'entries named as podman names them: bin/, not ./bin/');
      assert.match(await userOk(user, ['unshare', 'sh', '-c', `ls "$(${user.tpodPath} mount ${stopped})/data"`]), /tuser-dir/);

      await userOk(user, ['run', '-d', '--name', running, multilayer(), 'sh', '-c', 'echo made > /made; chown 1000:1000 /made; sleep 1000']);
      await userOk(user, ['cp', join(dir, 'in.txt'), `${running}:/in2.txt`]);
      assert.equal(await userOk(user, ['exec', running, 'cat', '/in2.txt']), 'from the host\n');
      await waitFor(async () => ((await user.tpod(['exec', running, 'cat', '/made'])).stdout === 'made\n' ? true : undefined), '/made');
      await userOk(user, ['cp', `${running}:/made`, join(dir, 'made')]);
      assert.equal(readFileSync(join(dir, 'made'), 'utf8'), 'made\n');
      assert.equal(statSync(join(dir, 'made')).uid, user.uid);
      const tarOut = await user.run(['sh', '-c', `${user.tpodPath} cp ${running}:/made - | tar -tv`]);
      assert.match(tarOut.stdout, /1000\/1000 .* made\n/, tarOut.stderr);
      await userOk(user, ['export', '-o', join(dir, 'running.tar'), running]);
      const names = spawnSync('tar', ['-tf', join(dir, 'running.tar')], { encoding: 'utf8' }).stdout.split('\n');
      assert.ok(names.includes('made') && names.includes('in2.txt') && names.includes('data/private'), names.slice(0, 20).join(' '));
    } finally {
      await user.tpod(['rm', '-f', '-t', '0', stopped, running]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generate systemd: the unit starts and stops the container under the user\'s own manager', async () => {
    const name = uniqueName('rlg');
    await userOk(user, ['create', '--name', name, busybox(), 'sleep', '1000']);
    const unitName = await installUserUnit(user, name);
    try {
      const start = await user.run(['systemctl', '--user', 'start', unitName]);
      assert.equal(start.code, 0, start.stderr);
      assert.equal((await user.run(['systemctl', '--user', 'is-active', unitName])).stdout.trim(), 'active');
      assert.match(await userOk(user, ['ps', '--format', '{{.Names}} {{.Status}}']), new RegExp(`${name} Up`));
      const stop = await user.run(['systemctl', '--user', 'stop', unitName]);
      assert.equal(stop.code, 0, stop.stderr);
      assert.doesNotMatch(await userOk(user, ['ps', '--format', '{{.Names}}']), new RegExp(name));
    } finally {
      await removeUserUnit(user, unitName);
      await user.tpod(['rm', '-f', '-t', '0', name]);
    }
  });

  it('tpod unshare runs a command as root of the user namespace; root is told to use it rootless', async () => {
    const r = await userOk(user, ['unshare', 'sh', '-c', 'id -u; cat /proc/self/uid_map; echo $CONTAINERS_GRAPHROOT']);
    const lines = r.trim().split('\n');
    assert.equal(lines[0], '0');
    assert.match(lines[2]!, new RegExp(`1\\s+${user.subuid}\\s+65536`));
    assert.equal(lines[3], join(user.home, '.local', 'share', 'tpod'));
    const asRoot = spawnSync(TPOD_BIN, ['unshare', 'true'], { encoding: 'utf8' });
    assert.equal(asRoot.status, 125);
    assert.match(asRoot.stderr, /please use unshare with rootless/);
  });

  it('refuses resource limits it cannot enforce (cgroup v1 here), naming the flag', async () => {
    const r = await user.tpod(['run', '--rm', '--memory', '32m', busybox(), 'true']);
    assert.equal(r.code, 125);
    const [message, ...rest] = r.stderr.trim().split('\n');
    assert.match(message!, /^Error: --memory: resource limits cannot be enforced for rootless containers/);
    assert.deepEqual(rest.map((line) => line.split(':')[0]), rest.length ? ['Try'] : [], 'a hint at most, no stack');
  });

  it('errors in one line: no XDG_RUNTIME_DIR, one not owned by the user, no user manager, a store of another user, no newuidmap', async () => {
    const unset = await user.tpod(['images'], { env: { XDG_RUNTIME_DIR: undefined } });
    assert.equal(unset.code, 125);
    assert.match(unset.stderr, /XDG_RUNTIME_DIR is not set/);
    const foreign = await user.tpod(['images'], { env: { XDG_RUNTIME_DIR: '/tmp' } });
    assert.equal(foreign.code, 125);
    assert.match(foreign.stderr, /XDG_RUNTIME_DIR \/tmp is owned by uid 0, not by you/);
    const othersStore = mkdtempSync(join(tmpdir(), 'tpod-rl-foreign-'));
    try {
      chmodSync(othersStore, 0o777);
      const store = await user.tpod(['--root', othersStore, 'images']);
      assert.equal(store.code, 125);
      assert.match(store.stderr, /the store .* is owned by uid 0, not by you/);
    } finally {
      rmSync(othersStore, { recursive: true, force: true });
    }
    // A runtime directory of the user's own, but no user manager (no bus) in it.
    const noManager = await user.run(['sh', '-c', `d=$(mktemp -d) && XDG_RUNTIME_DIR=$d ${user.tpodPath} run --rm ${busybox()} true; s=$?; rm -rf "$d"; exit $s`]);
    assert.equal(noManager.code, 125);
    assert.match(noManager.stderr, /systemd user manager not reachable at unix:path=\/tmp\/[^/]+\/bus: no such socket/);
    assert.match(noManager.stderr, /loginctl enable-linger/);
    // A PATH whose tools include everything but newuidmap and newgidmap.
    const bin = mkdtempSync(join(tmpdir(), 'tpod-rl-path-'));
    try {
      chmodSync(bin, 0o755);
      for (const dir of ['/usr/sbin', '/usr/bin']) {
        for (const tool of readdirSync(dir)) {
          if (tool === 'newuidmap' || tool === 'newgidmap') continue;
          try {
            spawnSync('ln', ['-s', join(dir, tool), join(bin, tool)]);
          } catch {
            // a name in both directories: the first wins
          }
        }
      }
      const r = await user.tpod(['run', '--rm', busybox(), 'true'], { env: { PATH: bin } });
      assert.equal(r.code, 125);
      assert.match(r.stderr, /newuidmap not found/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('rootless: a user without subordinate ids', () => {
  const user = rootlessUser({ subordinateIds: false });
  before(() => user.ready);
  after(() => user.remove());

  it('warns and runs with a single-id mapping; files of other owners become root\'s', async () => {
    assert.equal(user.subuid, undefined);
    const r = await user.tpod(['run', '--rm', busybox(), 'sh', '-c', 'cat /proc/self/uid_map; stat -c %u /home/tuser']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no subordinate ids for uid \d+ .*single-id mapping/);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines[0]!.trim().split(/\s+/).map(Number), [0, user.uid, 1]);
    assert.equal(lines.length, 2);
    assert.equal(lines[1], '0');
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
