/**
 * The bundles tpod's spec builder writes, run by plain `runc run` and `crun run` (no tpod
 * in between), checked from inside the container the way a user would see them: the user,
 * the hostname, the environment, a read-only root, no capabilities, seccomp and
 * capabilities refusing mount(2), a network namespace with only lo, exit codes.
 *
 * The rootfs is the fixture busybox image unpacked with umoci; each run has its own bundle
 * directory and the runtime's state lives in a temporary --root, removed afterwards.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectCgroups } from '../../src/info/cgroups.js';
import type { ImageConfig } from '../../src/oci/types.js';
import { buildRuntimeSpec } from '../../src/spec/build.js';
import { writeBundle } from '../../src/spec/bundle.js';
import { CAPABILITY_NAMES, DEFAULT_CAPABILITIES } from '../../src/spec/capabilities.js';
import { detectHostFacts } from '../../src/spec/host.js';
import { writeInitFiles } from '../../src/spec/init-files.js';
import { defaultSpecOptions, type ContainerSpecOptions } from '../../src/spec/options.js';
import { defaultSeccompProfile } from '../../src/spec/seccomp.js';
import type { RuntimeSpec } from '../../src/spec/types.js';
import { resolveUser } from '../../src/spec/user.js';
import { fixtureLayout } from '../helpers/env.js';
import { tempDir } from '../helpers/store.js';

const HOSTNAME = 'spec-test-box';
const RUNTIMES = ['runc', 'crun'] as const;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The busybox image's config, read from the fixture OCI layout by its ref name. */
async function fixtureImageConfig(layout: string, tag: string): Promise<ImageConfig> {
  const blob = async (digest: string) => JSON.parse(await readFile(join(layout, 'blobs', ...digest.split(':')), 'utf8')) as unknown;
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  assert.ok(entry, `tag ${tag} in ${layout}`);
  const manifest = (await blob(entry.digest)) as { config: { digest: string } };
  return (await blob(manifest.config.digest)) as ImageConfig;
}

/**
 * The command line for `runtime ARGS`. crun 1.8 refuses hybrid hosts whose cgroup v2
 * hierarchy has controllers, whatever --cgroup-manager says ("cgroups in hybrid mode not
 * supported, drop all controllers from cgroupv2"; this test host's has hugetlb). There crun
 * runs in a private mount namespace without /sys/fs/cgroup/unified, where it sees a v1
 * host and uses the v1 controllers; the host's mounts are untouched. The spec is under test
 * here, not cgroup management. runc handles such hosts and always runs directly.
 */
function runtimeCommand(runtime: string, args: string[]): [string, string[]] {
  if (runtime === 'crun' && hybridWithV2Controllers()) {
    return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'umount /sys/fs/cgroup/unified && exec "$@"', 'sh', runtime, ...args]];
  }
  return [runtime, args];
}

function hybridWithV2Controllers(): boolean {
  if (detectCgroups().layout !== 'hybrid') return false;
  try {
    return readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/** Bit mask of capabilities as /proc/PID/status prints it (16 hex digits). */
function capMask(names: readonly string[]): string {
  let mask = 0n;
  for (const name of names) mask |= 1n << BigInt((CAPABILITY_NAMES as readonly string[]).indexOf(name));
  return mask.toString(16).padStart(16, '0');
}

describe('runtime specs run by plain runc and crun', () => {
  const dir = tempDir('tpod-spec-runc-');
  let rootfs: string;
  let image: ImageConfig;
  let initFiles: Awaited<ReturnType<typeof writeInitFiles>>;
  const host = detectHostFacts();
  const started: Array<{ runtime: string; id: string }> = [];

  before(async () => {
    const layout = fixtureLayout();
    const unpacked = join(dir.path, 'unpacked');
    const umoci = spawnSync('umoci', ['unpack', '--image', `${layout}:busybox`, unpacked], { encoding: 'utf8' });
    assert.equal(umoci.status, 0, `umoci unpack: ${umoci.stderr}`);
    rootfs = join(unpacked, 'rootfs');
    await mkdir(join(rootfs, 'mnt'), { recursive: true });
    image = await fixtureImageConfig(layout, 'busybox');
    const run = join(dir.path, 'run');
    await mkdir(run);
    initFiles = await writeInitFiles(run, { hostname: HOSTNAME, network: 'none' });
  });

  after(() => {
    for (const { runtime, id } of started) deleteContainer(runtime, id);
    dir.remove();
  });

  /** The scenario of the brief: network none, hostname, -e, -u 1000, --cap-drop ALL, --read-only. */
  function options(command: string[], overrides: Partial<ContainerSpecOptions> = {}): ContainerSpecOptions {
    return {
      ...defaultSpecOptions(),
      command,
      network: 'none',
      hostname: HOSTNAME,
      env: ['TPOD_SPEC_VAR=hello from -e'],
      user: '1000',
      capDrop: ['ALL'],
      readOnly: true,
      ...overrides,
    };
  }

  async function specFor(opts: ContainerSpecOptions): Promise<RuntimeSpec> {
    const user = await resolveUser(rootfs, opts.user ?? image.config?.User);
    return buildRuntimeSpec(image, opts, { rootfs, initFiles, user, host });
  }

  /** `RUNTIME delete -f ID`; a no-op for containers already deleted. */
  function deleteContainer(runtime: string, id: string): void {
    const [command, args] = runtimeCommand(runtime, ['--root', join(dir.path, `state-${runtime}`), 'delete', '-f', id]);
    spawnSync(command, args, { stdio: 'ignore' });
  }

  /** `RUNTIME --root STATE run --bundle BUNDLE ID`, stdin closed, output captured. */
  async function run(runtime: string, spec: RuntimeSpec): Promise<RunResult> {
    const id = `tpod-spec-${randomBytes(4).toString('hex')}`;
    const bundle = join(dir.path, 'bundles', id);
    await writeBundle(bundle, spec);
    started.push({ runtime, id });
    const [command, args] = runtimeCommand(runtime, ['--root', join(dir.path, `state-${runtime}`), 'run', '--bundle', bundle, id]);
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    deleteContainer(runtime, id);
    return { code, stdout, stderr };
  }

  for (const runtime of RUNTIMES) {
    describe(runtime, () => {
      const ok = async (opts: ContainerSpecOptions): Promise<string> => {
        const result = await run(runtime, await specFor(opts));
        assert.equal(result.code, 0, `${opts.command?.join(' ')}: exit ${result.code}\n${result.stderr}`);
        return result.stdout;
      };

      it('runs as -u 1000 with the image\'s group for it', async () => {
        assert.equal((await ok(options(['id', '-u']))).trim(), '1000');
        assert.equal((await ok(options(['id', '-g']))).trim(), '1000');
      });

      it('sets the hostname and serves the generated /etc files', async () => {
        assert.equal((await ok(options(['hostname']))).trim(), HOSTNAME);
        assert.equal((await ok(options(['cat', '/etc/hostname']))).trim(), HOSTNAME);
        assert.match(await ok(options(['cat', '/etc/hosts'])), new RegExp(`^127\\.0\\.0\\.1\\t${HOSTNAME}$`, 'm'));
      });

      it('passes -e, PATH, HOSTNAME, HOME and container=tpod in the environment', async () => {
        const env = (await ok(options(['env']))).split('\n');
        assert.ok(env.includes('TPOD_SPEC_VAR=hello from -e'), env.join('\n'));
        assert.ok(env.includes('PATH=/usr/sbin:/usr/bin:/sbin:/bin'), 'the image PATH wins over the default');
        assert.ok(env.includes(`HOSTNAME=${HOSTNAME}`));
        assert.ok(env.includes('HOME=/home/tuser'));
        assert.ok(env.includes('container=tpod'));
      });

      it('keeps / read-only, with writable tmpfs on /tmp', async () => {
        const result = await run(runtime, await specFor(options(['touch', '/written'])));
        assert.notEqual(result.code, 0);
        assert.match(result.stderr, /Read-only file system/);
        assert.equal(await ok(options(['sh', '-c', 'echo x > /tmp/f && cat /tmp/f'])), 'x\n');
      });

      it('has no capabilities with --cap-drop ALL, even as root', async () => {
        const status = await ok(options(['cat', '/proc/self/status'], { user: '0' }));
        assert.match(status, /^CapEff:\s+0000000000000000$/m);
        assert.match(status, /^CapBnd:\s+0000000000000000$/m);
        assert.match(status, /^Seccomp:\s+2$/m, 'the default profile is a filter');
        const asUser = await ok(options(['cat', '/proc/self/status']));
        assert.match(asUser, /^CapEff:\s+0000000000000000$/m);
      });

      it('gives root podman\'s default capabilities otherwise', async () => {
        const status = await ok(options(['cat', '/proc/self/status'], { user: '0', capDrop: [] }));
        assert.match(status, new RegExp(`^CapEff:\\s+${capMask(DEFAULT_CAPABILITIES)}$`, 'm'));
        assert.match(status, new RegExp(`^CapBnd:\\s+${capMask(DEFAULT_CAPABILITIES)}$`, 'm'));
      });

      it('refuses mount(2) by default, by seccomp alone too, and allows it with SYS_ADMIN', async () => {
        const mount = ['mount', '-t', 'tmpfs', 'x', '/mnt'];
        const asRoot = { user: '0', capDrop: [] };
        const denied = await run(runtime, await specFor(options(mount, asRoot)));
        assert.notEqual(denied.code, 0, 'default capabilities and seccomp');
        assert.match(denied.stderr, /permission denied|not permitted/i);

        // CAP_SYS_ADMIN held, but the profile generated for the default set: only seccomp stops it.
        const seccompOnly = await specFor(options(mount, { ...asRoot, capAdd: ['SYS_ADMIN'] }));
        seccompOnly.linux.seccomp = defaultSeccompProfile(DEFAULT_CAPABILITIES);
        const bySeccomp = await run(runtime, seccompOnly);
        assert.notEqual(bySeccomp.code, 0, 'seccomp denies mount without CAP_SYS_ADMIN in the profile');
        assert.match(bySeccomp.stderr, /permission denied|not permitted/i);

        const allowed = await run(runtime, await specFor(options([...mount, '-o', 'size=1m'], { ...asRoot, capAdd: ['SYS_ADMIN'] })));
        assert.equal(allowed.code, 0, `--cap-add SYS_ADMIN: ${allowed.stderr}`);
      });

      it('has only lo with network none', async () => {
        const dev = await ok(options(['cat', '/proc/net/dev']));
        const interfaces = dev.split('\n').slice(2).filter(Boolean).map((line) => line.trim().split(':')[0]);
        assert.deepEqual(interfaces, ['lo']);
      });

      it('masks /proc files with host data and keeps /proc/sys read-only', async () => {
        // Which of them exist depends on the kernel's configuration (no /proc/kcore here).
        const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list'].find((path) => existsSync(path));
        assert.ok(masked, 'the host has one of /proc/kcore, /proc/keys, /proc/timer_list');
        assert.equal((await ok(options(['sh', '-c', `wc -c < ${masked}`], { user: '0', capDrop: [] }))).trim(), '0');
        const write = await run(runtime, await specFor(options(['sh', '-c', 'echo 1 > /proc/sys/kernel/panic'], { user: '0', capDrop: [] })));
        assert.notEqual(write.code, 0);
      });

      it('runs --init as PID 1 from a read-only bind mount', async () => {
        const out = await ok(options(['cat', '/proc/1/cmdline'], { init: '/usr/bin/catatonit' }));
        assert.equal(out.split('\0')[0], '/run/podman-init');
      });

      it('passes the exit code through', async () => {
        const result = await run(runtime, await specFor(options(['sh', '-c', 'exit 3'])));
        assert.equal(result.code, 3, result.stderr);
      });
    });
  }
});
