/**
 * A tpod running as root of the user's namespace on the user's behalf: inside `tpod
 * unshare`, and the second half of a rootless `cp`/`export` (container-files.ts). Its
 * euid is 0, yet it must use the user's store and id mapping, so the tpod that entered the
 * namespace passes the user on in the environment. Only honoured with euid 0: it names
 * whose files these are, it grants nothing.
 */
import { userInfo } from 'node:os';

export const NAMESPACE_USER_ENV = '_TPOD_NAMESPACE_USER';

export interface NamespaceUser {
  uid: number;
  gid: number;
  name: string;
}

/** The user this process acts for as root of their namespace, or undefined. */
export function namespaceUser(env: NodeJS.ProcessEnv = process.env, euid = process.geteuid?.() ?? 0): NamespaceUser | undefined {
  const value = env[NAMESPACE_USER_ENV];
  if (!value || euid !== 0) return undefined;
  const [uid, gid, ...name] = value.split(':');
  const user = { uid: Number(uid), gid: Number(gid), name: name.join(':') };
  return Number.isSafeInteger(user.uid) && user.uid > 0 && Number.isSafeInteger(user.gid) && user.name ? user : undefined;
}

/** The environment entry that hands `user` on to a tpod run in their namespace. */
export function namespaceUserEnv(user: NamespaceUser): Record<string, string> {
  return { [NAMESPACE_USER_ENV]: `${user.uid}:${user.gid}:${user.name}` };
}

/** The calling user, to hand on to a tpod in their namespace. */
export function currentUser(): NamespaceUser {
  return { uid: process.geteuid!(), gid: process.getegid!(), name: userInfo().username };
}

/**
 * A container's root filesystem where the tpod that entered the namespace found it
 * (`/proc/PID/root` of a running container, a fuse-overlayfs mount), as `ID=PATH`.
 */
export const CONTAINER_ROOTFS_ENV = '_TPOD_CONTAINER_ROOTFS';

/** The root filesystem handed on for this container, if any (only in the user's namespace). */
export function handedRootfs(containerId: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!namespaceUser(env)) return undefined;
  const value = env[CONTAINER_ROOTFS_ENV] ?? '';
  const separator = value.indexOf('=');
  return separator > 0 && value.slice(0, separator) === containerId ? value.slice(separator + 1) : undefined;
}
