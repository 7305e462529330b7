/**
 * A real unprivileged user for rootless tests, made inside the systemd sandbox: created
 * with useradd (which gives it /etc/subuid and /etc/subgid ranges, or none when asked),
 * with its own `systemd --user` manager (user@UID.service) and user bus, and removed
 * afterwards with everything it ran. tpod runs as that user through runuser with a clean
 * login-like environment, as a user's shell would have it.
 *
 *   const user = rootlessUser();
 *   before(() => user.ready);
 *   after(() => user.remove());
 *   const r = await user.tpod(['run', '--rm', image, 'true']);
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:os';
import { repoRoot } from './paths.js';
import type { TpodResult } from './tpod.js';

export interface RootlessUser {
  name: string;
  /** Set once ready. */
  uid: number;
  home: string;
  runtimeDir: string;
  /** First subordinate uid and gid (undefined for a user made without ranges). */
  subuid: number | undefined;
  subgid: number | undefined;
  ready: Promise<void>;
  /** bin/tpod as the user can run it (the checkout, or a readable copy of it). */
  tpodPath: string;
  /** Runs tpod as the user; `env` adds to (or, with undefined, removes from) its environment. */
  tpod(args: string[], options?: UserRunOptions): Promise<TpodResult>;
  /** Runs any command as the user, same environment. */
  run(command: string[], options?: UserRunOptions): Promise<TpodResult>;
  remove(): void;
}

export interface UserRunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** A command (run as root) that runs the user's command as its arguments: e.g. unshare to change the user's view of /dev. */
  wrapper?: string[];
}

const USER_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';

export function rootlessUser(options: { subordinateIds?: boolean } = {}): RootlessUser {
  const name = `tpodrl${randomBytes(4).toString('hex')}`;
  let appDir: string | undefined;
  const user: RootlessUser = {
    name,
    uid: -1,
    home: `/home/${name}`,
    runtimeDir: '',
    subuid: undefined,
    subgid: undefined,
    ready: Promise.resolve(),
    get tpodPath() {
      return join(appDir ?? repoRoot, 'bin', 'tpod');
    },
    tpod: (args, runOptions) => user.run([user.tpodPath, ...args], runOptions),
    run: (command, runOptions = {}) => runAs(user, command, runOptions),
    remove() {
      if (user.uid >= 0) spawnSync('systemctl', ['stop', `user@${user.uid}.service`], { stdio: 'ignore' });
      spawnSync('userdel', ['-r', '-f', name], { stdio: 'ignore' });
      if (appDir) rmSync(appDir, { recursive: true, force: true });
    },
  };
  user.ready = (async () => {
    const subordinate = options.subordinateIds ?? true;
    const extra = subordinate ? [] : ['-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0'];
    check(spawnSync('useradd', ['-m', '-s', '/bin/sh', ...extra, name], { encoding: 'utf8' }), `useradd ${name}`);
    user.uid = Number(check(spawnSync('id', ['-u', name], { encoding: 'utf8' }), 'id -u').trim());
    user.runtimeDir = `/run/user/${user.uid}`;
    user.subuid = firstRange('/etc/subuid', name);
    user.subgid = firstRange('/etc/subgid', name);
    check(spawnSync('systemctl', ['start', `user@${user.uid}.service`], { encoding: 'utf8' }), `starting user@${user.uid}.service`);
    appDir = readableApp(name);
  })();
  return user;
}

function check(result: ReturnType<typeof spawnSync>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${String(result.stderr)}`);
  return String(result.stdout);
}

function firstRange(file: string, name: string): number | undefined {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  return line ? Number(line.split(':')[1]) : undefined;
}

/**
 * The user must be able to read tpod's files. A checkout under a private directory (such
 * as /root) is not readable by others: then a copy of what tpod needs to run goes to a
 * world-readable temp dir (without changing any permission of the checkout).
 */
function readableApp(name: string): string | undefined {
  const probe = spawnSync('runuser', ['-u', name, '--', 'test', '-r', join(repoRoot, 'node_modules', '@oclif', 'core', 'package.json')]);
  if (probe.status === 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tpod-app-'));
  for (const part of ['bin', 'dist', 'node_modules', 'package.json', 'oclif.manifest.json', 'native/build/Release']) {
    cpSync(join(repoRoot, part), join(dir, part), { recursive: true });
  }
  chmodSync(dir, 0o755);
  return dir;
}

function runAs(user: RootlessUser, command: string[], options: UserRunOptions): Promise<TpodResult> {
  const env: Record<string, string | undefined> = {
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    SHELL: '/bin/sh',
    PATH: USER_PATH,
    XDG_RUNTIME_DIR: user.runtimeDir,
    ...options.env,
  };
  const assignments = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const [file, ...args] = [...(options.wrapper ?? []), 'runuser', '-u', user.name, '--', 'env', '-i', ...assignments, ...command];
    const child = spawn(file!, args, {
      cwd: '/',
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? 128 + (signal ? constants.signals[signal] : 0),
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: Date.now() - started,
      });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** runAs that throws unless the command exits 0; returns stdout. */
export async function userOk(user: RootlessUser, args: string[], options: UserRunOptions = {}): Promise<string> {
  const r = await user.tpod(args, options);
  if (r.code !== 0) throw new Error(`tpod ${args.join(' ')} as ${user.name} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/**
 * Installs `generate systemd`'s unit for `container` in the user's ~/.config/systemd/user
 * and reloads the manager; returns the unit's name. removeUserUnit undoes it.
 */
export async function installUserUnit(user: RootlessUser, container: string): Promise<string> {
  const unitName = `container-${container}.service`;
  const unit = await userOk(user, ['generate', 'systemd', '--name', container]);
  const install = await user.run(['sh', '-c', `mkdir -p ~/.config/systemd/user && cat > ~/.config/systemd/user/${unitName} && systemctl --user daemon-reload`], { input: unit });
  if (install.code !== 0) throw new Error(`installing ${unitName} failed: ${install.stderr}`);
  return unitName;
}

export async function removeUserUnit(user: RootlessUser, unitName: string): Promise<void> {
  await user.run(['sh', '-c', `rm -f ~/.config/systemd/user/${unitName} && systemctl --user daemon-reload`]);
}
