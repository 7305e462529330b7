/**
 * `--device HOST[:CONTAINER][:PERMISSIONS]` (podman's, docker's): a host device node in
 * the container, at CONTAINER (default: the same path), with device-cgroup PERMISSIONS,
 * a subset of `rwm` (default all three). The node's type and numbers are read from the
 * host when the container is created.
 *
 * As root the runtime creates the node (linux.devices) and the cgroup allows it. In a user
 * namespace no node can be created: the host's node is bind-mounted, as podman does
 * rootless, and what the user may open on the host is what the container may.
 */
import { statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { LinuxDevice, LinuxDeviceCgroup, Mount } from './types.js';

export interface DeviceRequest {
  hostPath: string;
  containerPath: string;
  /** Device-cgroup access: some of r, w, m. */
  permissions: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

const PERMISSIONS = /^(?!.*(.).*\1)[rwm]{1,3}$/;

export function parseDeviceFlag(value: string, stat: (path: string) => Stats = statSync): DeviceRequest {
  const parts = value.split(':');
  if (parts.length > 3 || parts.some((part) => part === '')) {
    throw new InvalidArgumentError(`invalid --device ${JSON.stringify(value)}: expected HOST[:CONTAINER][:PERMISSIONS]`);
  }
  const [hostPath, second, third] = parts as [string, string | undefined, string | undefined];
  const secondIsPermissions = second !== undefined && third === undefined && !second.startsWith('/');
  const containerPath = secondIsPermissions || second === undefined ? hostPath : second;
  const permissions = (secondIsPermissions ? second : third) ?? 'rwm';
  for (const path of [hostPath, containerPath]) {
    if (!path.startsWith('/')) throw new InvalidArgumentError(`invalid --device ${JSON.stringify(value)}: ${JSON.stringify(path)} is not an absolute path`);
  }
  if (!PERMISSIONS.test(permissions)) throw new InvalidArgumentError(`invalid --device ${JSON.stringify(value)}: permissions ${JSON.stringify(permissions)} are not a set of r, w and m`);
  const node = statOrNotFound(hostPath, stat);
  if (!node.isCharacterDevice() && !node.isBlockDevice()) throw new InvalidArgumentError(`--device ${hostPath} is not a device node`);
  return {
    hostPath,
    containerPath: posix.normalize(containerPath),
    permissions,
    type: node.isCharacterDevice() ? 'c' : 'b',
    // Linux's dev_t: 12 bits of major at 8-19, minor in bits 0-7 and 20-31 (new_encode_dev).
    major: (node.rdev >> 8) & 0xfff,
    minor: (node.rdev & 0xff) | ((node.rdev >> 12) & 0xfff00),
    fileMode: node.mode & 0o7777,
    uid: node.uid,
    gid: node.gid,
  };
}

function statOrNotFound(path: string, stat: (path: string) => Stats): Stats {
  try {
    return stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`--device ${path}: no such file or directory`);
    throw err;
  }
}

/** The nodes the runtime creates (root). */
export function linuxDevices(devices: readonly DeviceRequest[]): LinuxDevice[] {
  return devices.map((d) => ({ path: d.containerPath, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid }));
}

/** The device-cgroup rules that let the container use them. */
export function deviceAllowRules(devices: readonly DeviceRequest[]): LinuxDeviceCgroup[] {
  return devices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.permissions }));
}

/** Rootless: the host's nodes bind-mounted. */
export function deviceBindMounts(devices: readonly DeviceRequest[]): Mount[] {
  return devices.map((d) => ({ destination: d.containerPath, type: 'bind', source: d.hostPath, options: ['bind', 'rprivate', 'nosuid', 'noexec'] }));
}
