import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import type { ImageConfig } from '../../src/oci/types.js';
import { buildRuntimeSpec, type BuildContext } from '../../src/spec/build.js';
import { DEFAULT_CAPABILITIES } from '../../src/spec/capabilities.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '../../src/spec/masked-paths.js';
import { parseDeviceFlag } from '../../src/spec/device-flag.js';
import { parseTmpfsFlag, parseVolumeFlag } from '../../src/spec/mounts.js';
import { defaultSpecOptions, type BindMountRequest, type ContainerSpecOptions } from '../../src/spec/options.js';
import type { Mount, RuntimeSpec } from '../../src/spec/types.js';
import { parseUlimit } from '../../src/spec/ulimits.js';

const image: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'IMAGE_VAR=1'], Cmd: ['sh'], WorkingDir: '/srv' },
  rootfs: { type: 'layers', diff_ids: [] },
};
const context: BuildContext = {
  rootfs: '/var/lib/tpod/overlay/abc/merged',
  initFiles: { hostname: '/run/tpod/c/abc/hostname', hosts: '/run/tpod/c/abc/hosts', resolvConf: '/run/tpod/c/abc/resolv.conf' },
  user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
  host: { lastCapability: 40, cgroupNamespace: false },
};

function build(overrides: Partial<ContainerSpecOptions> = {}, ctx: Partial<BuildContext> = {}): RuntimeSpec {
  return buildRuntimeSpec(image, { ...defaultSpecOptions(), ...overrides }, { ...context, ...ctx });
}
const destinations = (spec: RuntimeSpec) => spec.mounts.map((m) => m.destination);
const mountAt = (spec: RuntimeSpec, destination: string): Mount | undefined => spec.mounts.find((m) => m.destination === destination);

describe('buildRuntimeSpec: process', () => {
  it('fills a plain run the podman way', () => {
    const spec = build({ hostname: 'web1' });
    assert.equal(spec.ociVersion, '1.0.2');
    assert.deepEqual(spec.root, { path: context.rootfs, readonly: false });
    assert.equal(spec.hostname, 'web1');
    assert.deepEqual(spec.process.args, ['sh']);
    assert.equal(spec.process.cwd, '/srv');
    assert.equal(spec.process.terminal, false);
    assert.deepEqual(spec.process.user, { uid: 0, gid: 0, umask: 0o022, additionalGids: [] });
    assert.deepEqual(spec.process.env, ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'IMAGE_VAR=1', 'container=tpod', 'HOSTNAME=web1', 'HOME=/root']);
    assert.deepEqual(spec.process.capabilities?.bounding, DEFAULT_CAPABILITIES);
    assert.equal(spec.process.noNewPrivileges, undefined);
    assert.equal(spec.process.oomScoreAdj, undefined);
    assert.deepEqual(spec.process.rlimits?.map((r) => r.type), ['RLIMIT_NOFILE', 'RLIMIT_NPROC']);
    assert.equal(spec.annotations, undefined);
  });
  it('applies -e, -w, -t, -u, --ulimit and no-new-privileges', () => {
    const spec = build({
      env: ['IMAGE_VAR=2', 'X=y'],
      workdir: '/tmp',
      tty: true,
      noNewPrivileges: true,
      ulimits: [parseUlimit('nofile=1024:2048')],
      umask: 0o077,
    }, { user: { uid: 1000, gid: 1000, additionalGids: [10], home: '/home/tuser' } });
    assert.deepEqual(spec.process.env, [
      'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'IMAGE_VAR=2', 'container=tpod', 'TERM=xterm', 'HOME=/home/tuser', 'X=y',
    ]);
    assert.equal(spec.process.cwd, '/tmp');
    assert.equal(spec.process.terminal, true);
    assert.deepEqual(spec.process.user, { uid: 1000, gid: 1000, umask: 0o077, additionalGids: [10] });
    assert.equal(spec.process.noNewPrivileges, true);
    assert.deepEqual(spec.process.rlimits?.[0], { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 });
  });
  it('runs --init as PID 1 with the command after --, its binary bind-mounted read-only', () => {
    const spec = build({ init: '/usr/libexec/podman/catatonit', command: ['sleep', '1'] });
    assert.deepEqual(spec.process.args, ['/run/podman-init', '--', 'sleep', '1']);
    assert.deepEqual(mountAt(spec, '/run/podman-init'), {
      destination: '/run/podman-init', type: 'bind', source: '/usr/libexec/podman/catatonit', options: ['bind', 'ro', 'rprivate'],
    });
  });
  it('refuses a relative -w, a bad hostname and no command', () => {
    assert.throws(() => build({ workdir: 'tmp' }), /invalid working directory "tmp": not an absolute path/);
    assert.throws(() => build({ hostname: 'bad\nhost' }), InvalidArgumentError);
    assert.throws(() => buildRuntimeSpec({ ...image, config: {} }, defaultSpecOptions(), context), /no command or entrypoint/);
    assert.throws(() => build({}, { rootfs: 'relative' }), /rootfs relative is not an absolute path/);
  });
  it('resolves a relative image WorkingDir against /', () => {
    const spec = buildRuntimeSpec({ ...image, config: { Cmd: ['sh'], WorkingDir: 'app' } }, defaultSpecOptions(), context);
    assert.equal(spec.process.cwd, '/app');
  });
});

describe('buildRuntimeSpec: mounts', () => {
  it('has podman\'s default mounts, then the generated /etc files', () => {
    const spec = build();
    assert.deepEqual(destinations(spec), [
      '/proc', '/dev', '/sys', '/dev/pts', '/dev/shm', '/dev/mqueue', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/sys/fs/cgroup',
    ]);
    assert.deepEqual(mountAt(spec, '/dev'), { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] });
    assert.deepEqual(mountAt(spec, '/sys')?.options, ['nosuid', 'noexec', 'nodev', 'ro']);
    assert.deepEqual(mountAt(spec, '/sys/fs/cgroup')?.options, ['nosuid', 'noexec', 'nodev', 'relatime', 'ro']);
    assert.ok(mountAt(spec, '/dev/pts')?.options?.includes('gid=5'));
    assert.deepEqual(mountAt(spec, '/etc/hosts'), { destination: '/etc/hosts', type: 'bind', source: context.initFiles.hosts, options: ['bind', 'rprivate'] });
  });
  it('adds user mounts parents first, with :ro, replacing defaults at the same place', () => {
    const spec = build({
      mounts: [
        parseVolumeFlag('/srv/a/b:/data/sub:ro') as BindMountRequest,
        parseVolumeFlag('/srv/a:/data') as BindMountRequest,
        parseVolumeFlag('/srv/hosts:/etc/hosts:ro') as BindMountRequest,
        parseTmpfsFlag('/dev/shm:size=1g'),
      ],
    });
    const order = destinations(spec);
    assert.ok(order.indexOf('/data') < order.indexOf('/data/sub'));
    assert.equal(order.filter((d) => d === '/etc/hosts').length, 1);
    assert.equal(mountAt(spec, '/etc/hosts')?.source, '/srv/hosts');
    assert.deepEqual(mountAt(spec, '/data/sub')?.options, ['rbind', 'ro', 'rprivate']);
    assert.deepEqual(mountAt(spec, '/data')?.options, ['rbind', 'rw', 'rprivate']);
    assert.ok(mountAt(spec, '/dev/shm')?.options?.includes('size=1g'));
  });
  it('refuses two user mounts at one destination', () => {
    assert.throws(() => build({ mounts: [parseTmpfsFlag('/x'), parseTmpfsFlag('/x/')] }), /duplicate mount destination \/x/);
  });
  it('--read-only makes the root read-only with tmpfs on /tmp, /var/tmp and /run', () => {
    const spec = build({ readOnly: true });
    assert.equal(spec.root.readonly, true);
    for (const dir of ['/tmp', '/var/tmp', '/run']) assert.equal(mountAt(spec, dir)?.type, 'tmpfs', dir);
    const bare = build({ readOnly: true, readOnlyTmpfs: false });
    assert.equal(mountAt(bare, '/tmp'), undefined);
    const own = build({ readOnly: true, mounts: [parseTmpfsFlag('/tmp:size=1m')] });
    assert.ok(mountAt(own, '/tmp')?.options?.includes('size=1m'));
  });
});

describe('buildRuntimeSpec: linux', () => {
  const types = (spec: RuntimeSpec) => spec.linux.namespaces.map((n) => n.type);
  it('network none: its own network namespace; host: none', () => {
    assert.deepEqual(types(build({ network: 'none' })), ['pid', 'ipc', 'uts', 'mount', 'network']);
    assert.deepEqual(types(build({ network: 'host' })), ['pid', 'ipc', 'uts', 'mount']);
  });
  it('adds a cgroup namespace only when the host asks for one', () => {
    assert.ok(types(build({}, { host: { lastCapability: 40, cgroupNamespace: true } })).includes('cgroup'));
  });
  it('adds a user namespace with mappings, and binds /sys for host network there', () => {
    const uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const spec = build({ network: 'host', uidMappings, gidMappings: [{ containerID: 0, hostID: 100000, size: 4 }] });
    assert.ok(types(spec).includes('user'));
    assert.deepEqual(spec.linux.uidMappings, uidMappings);
    assert.equal(mountAt(spec, '/sys')?.type, 'bind');
    assert.ok(!mountAt(spec, '/dev/pts')?.options?.includes('gid=5'), 'gid 5 is not mapped');
    assert.throws(() => build({ uidMappings }), /uid and gid mappings must be given together/);
  });
  it('masks podman\'s paths, denies devices but the default set, and adds seccomp', () => {
    const spec = build();
    assert.deepEqual(spec.linux.maskedPaths, DEFAULT_MASKED_PATHS);
    assert.deepEqual(spec.linux.readonlyPaths, DEFAULT_READONLY_PATHS);
    assert.equal(spec.linux.devices, undefined);
    assert.deepEqual(spec.linux.resources?.devices?.[0], { allow: false, access: 'rwm' });
    assert.ok(spec.linux.resources?.devices?.some((d) => d.allow && d.type === 'c' && d.major === 1 && d.minor === 3));
    assert.equal(spec.linux.seccomp?.defaultAction, 'SCMP_ACT_ALLOW');
  });
  it('--privileged: every capability, no masks, no seccomp, rw /sys, all devices', () => {
    const spec = build({ privileged: true, capDrop: ['ALL'] });
    assert.equal(spec.process.capabilities?.bounding.length, 41);
    assert.deepEqual(spec.linux.maskedPaths, []);
    assert.deepEqual(spec.linux.readonlyPaths, []);
    assert.equal(spec.linux.seccomp, undefined);
    assert.deepEqual(mountAt(spec, '/sys')?.options, ['nosuid', 'noexec', 'nodev', 'rw']);
    assert.deepEqual(spec.linux.resources?.devices, [{ allow: true, access: 'rwm' }]);
  });
  it('seccomp=unconfined writes no profile; cap-drop ALL empties every set', () => {
    assert.equal(build({ seccomp: 'unconfined' }).linux.seccomp, undefined);
    const caps = build({ capDrop: ['ALL'] }).process.capabilities;
    assert.deepEqual(caps, { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] });
  });
  it('passes resources, cgroupsPath and annotations through', () => {
    const spec = build({
      resources: { memory: 64 * 1024 * 1024, memorySwap: -1, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512, pidsLimit: 100 },
      cgroupsPath: 'machine.slice:tpod:abc',
      annotations: { 'io.tpod.name': 'web' },
    });
    assert.deepEqual(spec.linux.resources?.memory, { limit: 64 * 1024 * 1024, swap: -1 });
    assert.deepEqual(spec.linux.resources?.cpu, { shares: 512, quota: 50000, period: 100000 });
    assert.deepEqual(spec.linux.resources?.pids, { limit: 100 });
    assert.equal(spec.linux.cgroupsPath, 'machine.slice:tpod:abc');
    assert.deepEqual(spec.annotations, { 'io.tpod.name': 'web' });
    assert.deepEqual(build({ resources: { pidsLimit: 0 } }).linux.resources?.pids, { limit: -1 });
  });
  it('refuses resource values the kernel would reject', () => {
    assert.throws(() => build({ resources: { memory: 1024 } }), /invalid --memory 1024: the minimum is 6MB/);
    assert.throws(() => build({ resources: { memory: 64 << 20, memorySwap: 1 << 20 } }), /must be at least --memory/);
    assert.throws(() => build({ resources: { memorySwap: -1 } }), /--memory-swap needs --memory/);
    assert.throws(() => build({ resources: { cpuShares: -5 } }), /invalid --cpu-shares -5/);
  });
});

describe('--device', () => {
  // A fake stat of a character device 10:200 (as /dev/net/tun), mode 0600, root's.
  const tun = { isCharacterDevice: () => true, isBlockDevice: () => false, rdev: (10 << 8) | 200, mode: 0o20600, uid: 0, gid: 0 } as unknown as import('node:fs').Stats;
  const stat = () => tun;

  it('parses HOST, HOST:CONTAINER, HOST:PERMISSIONS and HOST:CONTAINER:PERMISSIONS', () => {
    assert.deepEqual(
      ['/dev/net/tun', '/dev/net/tun:/dev/tun0', '/dev/net/tun:r', '/dev/net/tun:/dev/tun0:rw'].map((v) => {
        const d = parseDeviceFlag(v, stat);
        return [d.containerPath, d.permissions, d.type, d.major, d.minor, d.fileMode];
      }),
      [
        ['/dev/net/tun', 'rwm', 'c', 10, 200, 0o600],
        ['/dev/tun0', 'rwm', 'c', 10, 200, 0o600],
        ['/dev/net/tun', 'r', 'c', 10, 200, 0o600],
        ['/dev/tun0', 'rw', 'c', 10, 200, 0o600],
      ],
    );
  });

  it('refuses bad forms, bad permissions and what is not a device, in one line', () => {
    assert.throws(() => parseDeviceFlag('dev/x', stat), /"dev\/x" is not an absolute path/);
    assert.throws(() => parseDeviceFlag('/dev/x:/y:rwx', stat), /permissions "rwx" are not a set of r, w and m/);
    assert.throws(() => parseDeviceFlag('/dev/x:rr', stat), /permissions "rr"/);
    assert.throws(() => parseDeviceFlag('/a:/b:r:w', stat), /expected HOST\[:CONTAINER\]\[:PERMISSIONS\]/);
    assert.throws(() => parseDeviceFlag('/etc/hostname'), /--device \/etc\/hostname is not a device node/);
    assert.throws(() => parseDeviceFlag('/dev/no-such-device'), /--device \/dev\/no-such-device: no such file or directory/);
  });

  it('as root: the runtime makes the node and the device cgroup allows just the permissions given', () => {
    const spec = build({ devices: [parseDeviceFlag('/dev/net/tun:/dev/tun0:rw', stat)] });
    assert.deepEqual(spec.linux?.devices, [{ path: '/dev/tun0', type: 'c', major: 10, minor: 200, fileMode: 0o600, uid: 0, gid: 0 }]);
    assert.deepEqual(spec.linux?.resources?.devices?.at(-1), { allow: true, type: 'c', major: 10, minor: 200, access: 'rw' });
    assert.equal(mountAt(spec, '/dev/tun0'), undefined);
  });

  it('in a user namespace: the host node is bind-mounted instead', () => {
    const spec = build({ devices: [parseDeviceFlag('/dev/net/tun', stat)], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] });
    assert.equal(spec.linux?.devices, undefined);
    assert.deepEqual(mountAt(spec, '/dev/net/tun'), { destination: '/dev/net/tun', type: 'bind', source: '/dev/net/tun', options: ['bind', 'rprivate', 'nosuid', 'noexec'] });
  });
});
