/**
 * Rootless `cp` and `export`. A rootless container's files belong to subordinate ids and
 * its root filesystem is mounted only inside namespaces (the container's, or a
 * fuse-overlayfs holder's), so the user's own tpod can neither see nor write them. As
 * podman re-executes itself in the user's namespace, the command runs again as root of a
 * user namespace with the user's mapping, where the files are reachable:
 *  - a running container: its own user namespace (`nsenter --user`), and its root
 *    filesystem through `/proc/PID/root`, so the copy sees what the container sees;
 *  - a stopped one on fuse-overlayfs: the holder's namespaces, with the mount, started for
 *    the command and stopped after it;
 *  - a stopped one on overlay: a new user namespace with a private mount namespace, where
 *    the second tpod mounts the overlay itself (gone with that process, even after kill -9).
 * The second tpod is told whose store it works on and where the root filesystem is
 * (rootless/namespace-user.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine.js';
import { UnavailableError } from '../errors.js';
import { CONTAINER_ROOTFS_ENV, currentUser, namespaceUser, namespaceUserEnv } from '../rootless/namespace-user.js';
import { exitStatus, userNamespaceArgs } from '../rootless/user-namespace.js';
import { snapshotLayout } from '../snapshots/index.js';
import type { ContainerRecord } from './store.js';
import { processAlive } from './sync.js';

const TPOD_BIN = fileURLToPath(new URL('../../../bin/tpod.cjs', import.meta.url));
const NSENTER = '/usr/bin/nsenter';

/**
 * Runs this command (`args`, without node and the script) again in the namespace where
 * the container's files are reachable; resolves to its exit status. Undefined when this
 * process can reach them itself: root, or already in the user's namespace.
 */
export async function rerunForContainerFiles(engine: Engine, container: ContainerRecord, args: readonly string[]): Promise<number | undefined> {
  if (!engine.paths.rootless || namespaceUser()) return undefined;
  const snapshots = engine.snapshots(container.config.storageDriver);
  const running = (container.state === 'running' || container.state === 'paused') && processAlive(container.pid);
  const env: NodeJS.ProcessEnv = { ...process.env, ...namespaceUserEnv(currentUser()) };
  let enter: string[];
  let after = async (): Promise<void> => undefined;
  if (running) {
    enter = [NSENTER, '--user', '--target', String(container.pid), '--'];
    env[CONTAINER_ROOTFS_ENV] = `${container.id}=/proc/${container.pid}/root`;
  } else if (container.config.storageDriver === 'fuse-overlayfs') {
    const root = await snapshots.runtimeRoot(container.id);
    // Entering a mount namespace changes the working directory to its root: keep ours
    // (relative host paths of the copy), as an nsenter option before its `--`.
    const enterHolder = root.holder!.enter;
    const end = enterHolder.indexOf('--');
    enter = [...enterHolder.slice(0, end), `--wd=${process.cwd()}`, ...enterHolder.slice(end)];
    env[CONTAINER_ROOTFS_ENV] = `${container.id}=${snapshotLayout(engine.paths.root, container.id).merged}`;
    after = async () => void (await snapshots.unmount(container.id));
  } else {
    enter = userNamespaceArgs(engine.userIdMapping, { mount: true });
  }
  try {
    return await runAgain(enter, args, env);
  } finally {
    await after();
  }
}

function runAgain(enter: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...prefix] = enter;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, [...prefix, process.execPath, TPOD_BIN, ...args], { stdio: 'inherit', env });
    child.once('error', (err) => reject(new UnavailableError(`cannot enter the user namespace with ${command}: ${err.message}`, { hint: 'install the Debian package util-linux' })));
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
  });
}
