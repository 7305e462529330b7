/**
 * `tpod unshare [COMMAND…]`: a command (default: the user's shell) as root of the user's
 * namespace, with the same mapping as the containers and a private mount namespace, so a
 * rootless user can inspect or fix files of the store that subordinate ids own. As
 * podman's, it tells the command where the store is (CONTAINERS_GRAPHROOT/RUNROOT) and is
 * refused for root, who needs no namespace.
 */
import { spawn } from 'node:child_process';
import type { Engine } from '../engine.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { hostEnvironment } from '../host-environment.js';
import { currentUser, namespaceUserEnv } from './namespace-user.js';
import { exitStatus, userNamespaceArgs } from './user-namespace.js';

/** Runs the command with this terminal; resolves to its exit status. */
export async function unshare(engine: Engine, argv: readonly string[]): Promise<number> {
  if (!engine.paths.rootless) throw new InvalidArgumentError('please use unshare with rootless');
  engine.checkRootlessSession();
  const command = argv.length > 0 ? [...argv] : [process.env.SHELL || '/bin/sh'];
  const [unshareBin, ...args] = [...userNamespaceArgs(engine.userIdMapping, { mount: true }), ...command];
  // tpod run inside acts for the user (their store and mapping) though its uid is 0 there.
  const env = { ...hostEnvironment(), CONTAINERS_GRAPHROOT: engine.paths.root, CONTAINERS_RUNROOT: engine.paths.runroot, ...namespaceUserEnv(currentUser()) };
  return new Promise((resolve, reject) => {
    const child = spawn(unshareBin!, args, { stdio: 'inherit', env });
    child.once('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new NotFoundError('unshare not found', { hint: 'install the Debian package util-linux' }) : err));
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
  });
}
