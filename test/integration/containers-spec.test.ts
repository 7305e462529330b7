// `tpod run` flags checked from inside the running container, where a user looks: the
// hostname, environment (-e, --env-file, -e NAME from the caller), working directory, user,
// capabilities (/proc/self/status CapEff, and what they allow), no-new-privileges, --init
// (catatonit as PID 1), --privileged, the network namespace (host vs none) and --ulimit.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxStore, inspectField, uniqueName } from '../helpers/containers.js';
import { runTpod, tempDir, tpodOk } from '../helpers/tpod.js';

/** Capability bit numbers (linux/capability.h) of podman's default set, and a few others. */
const CAP = { CHOWN: 0, DAC_OVERRIDE: 1, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7, SETPCAP: 8, NET_BIND_SERVICE: 10, NET_RAW: 13, SYS_CHROOT: 18, SYS_ADMIN: 21, SETFCAP: 31 };
const PODMAN_DEFAULT = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'] as const;

const statusField = (status: string, field: string): string => {
  const value = new RegExp(`^${field}:\\s*(\\S+)$`, 'm').exec(status)?.[1];
  assert.ok(value !== undefined, `${field} in:\n${status}`);
  return value;
};
const bits = (hex: string): bigint => BigInt(`0x${hex}`);
const has = (mask: bigint, cap: keyof typeof CAP): boolean => ((mask >> BigInt(CAP[cap])) & 1n) === 1n;

describe('run flags seen from inside the container', () => {
  const store = busyboxStore();
  const dir = tempDir('tpod-spec-');
  before(() => store.ready);
  after(async () => {
    await store.cleanup();
    dir.remove();
  });

  const inside = async (flags: string[], script: string, env?: Record<string, string>): Promise<string> =>
    tpodOk(['run', '--rm', ...flags, 'busybox', 'sh', '-c', script], { store, ...(env ? { env } : {}) });

  it('--hostname is the kernel hostname, /etc/hostname and a name in /etc/hosts; by default the short ID', async () => {
    const out = await inside(['--hostname', 'box-one'], 'hostname; cat /etc/hostname; cat /etc/hosts');
    assert.match(out, /^box-one\nbox-one\n/);
    assert.match(out, /^127\.0\.0\.1\s+box-one$/m, '/etc/hosts resolves it');
    const name = uniqueName('defhost');
    const own = await tpodOk(['run', '--name', name, 'busybox', 'hostname'], { store });
    assert.equal(own.trim(), (await inspectField(store, name, '{{.Id}}')).slice(0, 12));
  });

  it('--add-host names resolve inside (before the defaults); --shm-size sizes /dev/shm; inspect shows both', async () => {
    const name = uniqueName('hosts');
    const out = await tpodOk(
      ['run', '--name', name, '--add-host', 'db:10.0.0.5', '--add-host', 'a;b:fe80::1', '--shm-size', '10m', 'busybox', 'sh', '-c', 'head -n 2 /etc/hosts; ping -c1 -W1 b 2>&1 | head -n1; grep " /dev/shm " /proc/mounts'],
      { store },
    );
    assert.match(out, /^10\.0\.0\.5\tdb\nfe80::1\ta b\n/);
    assert.match(out, /^PING b \(fe80::1\)/m, 'a name resolves to the address given (ping then finds no network)');
    assert.match(out, /^shm \/dev\/shm tmpfs \S*size=10240k/m);
    assert.equal(await inspectField(store, name, '{{.HostConfig.ShmSize}}'), '10485760');
    assert.equal(await inspectField(store, name, '{{json .HostConfig.ExtraHosts}}'), '["db:10.0.0.5","a;b:fe80::1"]');

    const plain = await inside([], 'grep " /dev/shm " /proc/mounts');
    assert.match(plain, /size=64000k/, 'podman\'s default size');
  });

  it('--device: the node appears with the host\'s numbers; the device cgroup grants only the permissions given', async () => {
    // /dev/loop-control opens without CAP_SYS_ADMIN (only its ioctls need it), and a read of
    // it fails "Invalid argument": an open the cgroup refuses fails "Operation not permitted".
    const name = uniqueName('device');
    const out = await tpodOk(['run', '--name', name, '--device', '/dev/loop-control:/dev/lc', 'busybox', 'sh', '-c', 'stat -c "%F %t:%T" /dev/lc; cat /dev/lc 2>&1; true'], { store });
    assert.match(out, /^character special file a:ed\n/, 'major 10, minor 237 (hex)');
    assert.match(out, /Invalid argument/, 'opened: the cgroup allows it');
    assert.equal(await inspectField(store, name, '{{json .HostConfig.Devices}}'), '[{"PathOnHost":"/dev/loop-control","PathInContainer":"/dev/lc","CgroupPermissions":"rwm"}]');
    const mknodOnly = await inside(['--device', '/dev/loop-control:m'], 'cat /dev/loop-control 2>&1; true');
    assert.match(mknodOnly, /Operation not permitted/, 'm alone: the node exists but cannot be opened');
    const without = await inside([], 'cat /dev/loop-control 2>&1; true');
    assert.match(without, /No such file or directory/);
    const bad = await runTpod(['run', '--rm', '--device', '/etc/hostname', 'busybox', 'true'], { store });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: --device \/etc\/hostname is not a device node\n$/);
  });

  it('--group-add gives supplementary groups (names from the image, GIDs); --umask the processes\' umask', async () => {
    const name = uniqueName('groups');
    const out = await tpodOk(['run', '--name', name, '-u', 'tuser', '--group-add', 'nobody', '--group-add', '4242', '--umask', '0077', 'busybox', 'sh', '-c', 'id -G; umask; touch /tmp/f; stat -c %a /tmp/f'], { store });
    assert.equal(out, '1000 4242 65534\n0077\n600\n', 'the kernel lists groups in order');
    assert.equal(await inspectField(store, name, '{{.Config.Umask}}'), '0077');
    assert.equal(await inspectField(store, name, '{{json .HostConfig.GroupAdd}}'), '["nobody","4242"]');
    assert.equal(await inside([], 'umask'), '0022\n', 'podman\'s default');
    const bad = await runTpod(['run', '--rm', '--umask', '999', 'busybox', 'true'], { store });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: invalid --umask "999": expected an octal mask such as 0022\n$/);
  });

  it('--sysctl sets namespaced kernel parameters in the container only; others are refused', async () => {
    const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const name = uniqueName('sysctl');
    const out = await tpodOk(
      ['run', '--name', name, '--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=123456789', '--sysctl', 'fs.mqueue.msg_max=20', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/kernel/shmmax', '/proc/sys/fs/mqueue/msg_max'],
      { store },
    );
    assert.equal(out, '1\n123456789\n20\n');
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForward, 'the host keeps its own');
    assert.deepEqual(JSON.parse(await inspectField(store, name, '{{json .HostConfig.Sysctls}}')), { 'fs.mqueue.msg_max': '20', 'kernel.shmmax': '123456789', 'net.ipv4.ip_forward': '1' });
    const global = await runTpod(['run', '--rm', '--sysctl', 'vm.swappiness=10', 'busybox', 'true'], { store });
    assert.equal(global.code, 125);
    assert.match(global.stderr, /^Error: --sysctl vm.swappiness is not namespaced/);
    const hostNet = await runTpod(['run', '--rm', '--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'true'], { store });
    assert.equal(hostNet.code, 125);
    assert.match(hostNet.stderr, /cannot be set with --network host/);
  });

  it('--oom-score-adj reaches the process; --annotation the OCI config the runtime is given', async () => {
    const name = uniqueName('annotated');
    assert.equal(await tpodOk(['run', '--name', name, '--oom-score-adj', '500', '--annotation', 'com.example.team=web', 'busybox', 'cat', '/proc/self/oom_score_adj'], { store }), '500\n');
    const config = JSON.parse(readFileSync(await inspectField(store, name, '{{.OCIConfigPath}}'), 'utf8')) as { annotations?: Record<string, string> };
    assert.deepEqual(config.annotations, { 'com.example.team': 'web' });
    assert.equal(await inspectField(store, name, '{{json .Config.Annotations}}'), '{"com.example.team":"web"}');
    assert.equal(await inspectField(store, name, '{{.HostConfig.OomScoreAdj}}'), '500');
    const bad = await runTpod(['run', '--rm', '--oom-score-adj', '2000', 'busybox', 'true'], { store });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: Parsing --oom-score-adj Expected an integer less than or equal to 1000 but received: 2000\n/);
  });

  it('--env-host passes tpod\'s environment; -e still wins', async () => {
    const out = await inside(['--env-host', '-e', 'OVERRIDDEN=by-flag'], 'echo "$FROM_HOST $OVERRIDDEN"', { FROM_HOST: 'host-value', OVERRIDDEN: 'host' });
    assert.equal(out, 'host-value by-flag\n');
    assert.equal(await inside([], 'echo "[$FROM_HOST]"', { FROM_HOST: 'host-value' }), '[]\n', 'not without it');
  });

  it('--env-host and -e NAME give NODE_EXTRA_CA_CERTS back under its own name (bin/tpod hands it on renamed)', async () => {
    const env = { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' };
    assert.equal(await inside(['--env-host'], 'echo "$NODE_EXTRA_CA_CERTS [$TPOD_EXTRA_CA_CERTS]"', env), '/etc/ssl/certs/ca-certificates.crt []\n');
    assert.equal(await inside(['-e', 'NODE_EXTRA_CA_CERTS'], 'echo "$NODE_EXTRA_CA_CERTS"', env), '/etc/ssl/certs/ca-certificates.crt\n');
  });

  it('a bad --add-host or --shm-size is one line, exit 125, and no container', async () => {
    const name = uniqueName('badhost');
    for (const [flags, message] of [
      [['--add-host', 'db'], /^Error: bad format for --add-host "db": expected NAME:IP\n$/],
      [['--add-host', 'db:300.1.1.1'], /^Error: invalid IP address in --add-host "db:300.1.1.1"\n$/],
      [['--shm-size', 'lots'], /^Error: invalid size for --shm-size: "lots"/],
    ] as const) {
      const result = await runTpod(['run', '--name', name, ...flags, 'busybox', 'true'], { store });
      assert.equal(result.code, 125, result.stderr);
      assert.match(result.stderr, message);
      assert.equal((await runTpod(['inspect', name], { store })).code, 125, 'nothing created');
    }
  });

  it('-e, --env-file and -e NAME (the caller\'s value): -e wins over the file, the image\'s PATH stays', async () => {
    const envFile = join(dir.path, 'env');
    writeFileSync(envFile, '# a comment\nFROM_FILE=file value\nBOTH=from-file\n\n');
    const out = await inside(['--env-file', envFile, '-e', 'BOTH=from-flag', '-e', 'PLAIN=1', '-e', 'PASSED_THROUGH'], 'echo "$FROM_FILE|$BOTH|$PLAIN|$PASSED_THROUGH|$PATH"', { PASSED_THROUGH: 'caller value' });
    const [fromFile, both, plain, passed, path] = out.trim().split('|');
    assert.equal(fromFile, 'file value');
    assert.equal(both, 'from-flag');
    assert.equal(plain, '1');
    assert.equal(passed, 'caller value');
    assert.match(path!, /\/bin/);
    const missing = await runTpod(['run', '--rm', '--env-file', join(dir.path, 'no-such-file'), 'busybox', 'true'], { store });
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /^Error: .*no-such-file.*no such file or directory/);
  });

  it('-w sets the working directory, creating it when the image lacks it', async () => {
    assert.equal(await inside(['-w', '/tmp'], 'pwd'), '/tmp\n');
    assert.equal(await inside(['-w', '/made/by/tpod'], 'pwd; test -d /made/by/tpod && echo exists'), '/made/by/tpod\nexists\n');
    assert.equal(await inside([], 'pwd'), '/\n');
  });

  it('-u: uid:gid, a name from the image\'s passwd, a uid without an entry (group root)', async () => {
    assert.equal(await inside(['-u', '1234:4321'], 'echo $(id -u):$(id -g)'), '1234:4321\n');
    const passwd = await inside([], 'cat /etc/passwd');
    const [, , uid, gid] = passwd.split('\n').find((line) => line.startsWith('nobody:'))!.split(':');
    assert.equal(await inside(['-u', 'nobody'], 'echo $(id -u):$(id -g)'), `${uid}:${gid}\n`);
    assert.equal(await inside(['-u', '1234'], 'echo $(id -u):$(id -g)'), '1234:0\n');
    assert.equal(await inside(['-u', '1234'], 'touch /root-owned 2>&1; echo $?').then((o) => o.trim().split('\n').at(-1)), '1', 'a non-root user cannot write to /');
  });

  it('root gets podman\'s default capabilities: CapEff, and chown works', async () => {
    const capEff = bits(statusField(await inside([], 'cat /proc/self/status'), 'CapEff'));
    for (const cap of Object.keys(CAP) as Array<keyof typeof CAP>) {
      assert.equal(has(capEff, cap), (PODMAN_DEFAULT as readonly string[]).includes(cap), `CAP_${cap}`);
    }
    assert.equal(await inside([], 'touch /tmp/f; chown 1:1 /tmp/f; echo $?'), '0\n');
  });

  it('--cap-drop removes a capability (chown then fails), --cap-add adds one, --cap-drop ALL leaves none', async () => {
    const dropped = await inside(['--cap-drop', 'chown'], 'grep CapEff /proc/self/status; touch /tmp/f; chown 1:1 /tmp/f 2>/dev/null; echo chown=$?');
    assert.ok(!has(bits(statusField(dropped, 'CapEff')), 'CHOWN'));
    assert.ok(has(bits(statusField(dropped, 'CapEff')), 'KILL'), 'the others stay');
    assert.match(dropped, /chown=1/);
    const added = await inside(['--cap-add', 'SYS_ADMIN', '--cap-add', 'cap_net_raw'], 'grep CapEff /proc/self/status');
    assert.ok(has(bits(statusField(added, 'CapEff')), 'SYS_ADMIN'));
    assert.ok(has(bits(statusField(added, 'CapEff')), 'NET_RAW'));
    assert.equal(bits(statusField(await inside(['--cap-drop', 'ALL'], 'grep CapEff /proc/self/status'), 'CapEff')), 0n);
    const bad = await runTpod(['run', '--rm', '--cap-add', 'NOT_A_CAP', 'busybox', 'true'], { store });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /NOT_A_CAP/);
  });

  it('--security-opt no-new-privileges sets NoNewPrivs; it is off by default', async () => {
    assert.equal(statusField(await inside([], 'cat /proc/self/status'), 'NoNewPrivs'), '0');
    assert.equal(statusField(await inside(['--security-opt', 'no-new-privileges'], 'cat /proc/self/status'), 'NoNewPrivs'), '1');
  });

  it('--privileged: every capability tpod holds, writable /sys', async () => {
    const own = statusField(readFileSync('/proc/self/status', 'utf8'), 'CapBnd');
    const out = await inside(['--privileged'], 'cat /proc/self/status; echo; mount | grep " /sys "');
    assert.equal(bits(statusField(out, 'CapEff')), bits(own), 'CapEff is the bounding set tpod runs with');
    assert.match(out, /^sysfs on \/sys type sysfs \(rw,/m);
    const plain = await inside([], 'mount | grep " /sys "');
    assert.match(plain, /^sysfs on \/sys type sysfs \(ro,/m, 'without --privileged /sys is read-only');
  });

  it('--init: catatonit is PID 1, the command its child; it forwards stop\'s SIGTERM', async () => {
    const out = await inside(['--init'], 'tr "\\0" " " < /proc/1/cmdline; echo; /proc/1/exe --version 2>&1; echo pid=$$');
    const [cmdline, version, pid] = out.trim().split('\n');
    assert.match(cmdline!, /^\/run\/podman-init -- sh -c /);
    assert.match(version!, /catatonit/);
    assert.notEqual(pid, 'pid=1');
    assert.equal(await inside([], 'echo pid=$$'), 'pid=1\n', 'without --init the command is PID 1');

    // sleep as PID 1 would ignore SIGTERM; under catatonit it dies of it: 143, no SIGKILL.
    const name = uniqueName('init');
    await tpodOk(['run', '-d', '--init', '--name', name, 'busybox', 'sleep', '1000'], { store });
    const stop = await runTpod(['stop', '-t', '20', name], { store });
    assert.equal(stop.code, 0, stop.stderr);
    assert.doesNotMatch(stop.stderr, /SIGKILL/);
    assert.equal(await inspectField(store, name, '{{.State.ExitCode}}'), '143');
  });

  it('--network host sees the host\'s interfaces; none (the default) only lo', async () => {
    const names = (dev: string): string[] => dev.split('\n').slice(2).filter(Boolean).map((line) => line.trim().split(':')[0]!).sort();
    const hostInterfaces = names(readFileSync('/proc/net/dev', 'utf8'));
    assert.ok(hostInterfaces.length > 1, `the test host has more than lo: ${hostInterfaces.join(' ')}`);
    assert.deepEqual(names(await inside(['--network', 'host'], 'cat /proc/net/dev')), hostInterfaces);
    assert.deepEqual(names(await inside(['--network', 'none'], 'cat /proc/net/dev')), ['lo']);
    assert.deepEqual(names(await inside([], 'cat /proc/net/dev')), ['lo']);
    const bridge = await runTpod(['run', '--rm', '--network', 'bridge', 'busybox', 'true'], { store });
    assert.equal(bridge.code, 125);
    assert.match(bridge.stderr, /network mode "bridge" is not supported/);
  });

  it('--ulimit sets soft and hard limits', async () => {
    assert.equal(await inside(['--ulimit', 'nofile=512:1024'], 'ulimit -n; ulimit -Hn'), '512\n1024\n');
    assert.equal(await inside(['--ulimit', 'nproc=77:88'], 'ulimit -u; ulimit -Hu'), '77\n88\n');
    const bad = await runTpod(['run', '--rm', '--ulimit', 'nofile=2048:1024', 'busybox', 'true'], { store });
    assert.equal(bad.code, 125, 'soft above hard is refused');
  });
});
