/**
 * The mounts every container gets, as podman writes them (and the runtime-spec's own
 * example config): the kernel filesystems Linux programs expect, the generated
 * /etc/hostname, /etc/hosts and /etc/resolv.conf, `--init`'s binary, and with `--read-only`
 * writable tmpfs on /tmp, /var/tmp and /run.
 */
import type { Mount } from './types.js';

export interface DefaultMountOptions {
  privileged: boolean;
  /** The container shares the host's network namespace (`--network host`). */
  hostNetwork: boolean;
  /** A user namespace is configured (uid/gid mappings present). */
  userNamespace: boolean;
  /** Container gid 5 (tty) exists in the user namespace, or there is none. */
  ttyGroupMapped: boolean;
  /** Bytes of /dev/shm (`--shm-size`); DEFAULT_SHM_SIZE when unset. */
  shmSize?: number | undefined;
}

/** podman's default /dev/shm: 64000k. */
export const DEFAULT_SHM_SIZE = 64_000 * 1024;

const NO_SUID_EXEC_DEV = ['nosuid', 'noexec', 'nodev'];

/** /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup. */
export function kernelMounts(options: DefaultMountOptions): Mount[] {
  const access = options.privileged ? 'rw' : 'ro';
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: [...NO_SUID_EXEC_DEV] },
    // /dev is a small tmpfs the runtime fills with the default device nodes.
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: devptsOptions(options.ttyGroupMapped) },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: [...NO_SUID_EXEC_DEV, 'mode=1777', `size=${shmSizeOption(options.shmSize ?? DEFAULT_SHM_SIZE)}`] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: [...NO_SUID_EXEC_DEV] },
    sysMount(options, access),
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...NO_SUID_EXEC_DEV, 'relatime', access] },
  ];
}

/** In KiB when whole (as podman writes `size=64000k`), else in bytes. */
function shmSizeOption(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}k` : String(bytes);
}

/**
 * A fresh sysfs shows the network devices of the mounting process's network namespace,
 * and mounting one needs that namespace to be owned by the container's user namespace.
 * With the host's network in a user namespace (rootless `--network host`) that fails, so
 * the host's /sys is bind-mounted instead, as podman does.
 */
function sysMount(options: DefaultMountOptions, access: string): Mount {
  if (options.hostNetwork && options.userNamespace) {
    return { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', ...NO_SUID_EXEC_DEV, access, 'rprivate'] };
  }
  return { destination: '/sys', type: 'sysfs', source: 'sysfs', options: [...NO_SUID_EXEC_DEV, access] };
}

/**
 * A private devpts instance (`newinstance`) so the container never sees the host's
 * terminals; gid=5 is the tty group new ptys belong to, left out when a user namespace
 * does not map it (the mount would fail).
 */
function devptsOptions(ttyGroupMapped: boolean): string[] {
  const options = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
  if (ttyGroupMapped) options.push('gid=5');
  return options;
}

/** Host paths of the generated files (init-files.ts) bind-mounted over the image's. */
export interface InitFilePaths {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export function initFileMounts(files: InitFilePaths): Mount[] {
  return [
    bindFile('/etc/hostname', files.hostname),
    bindFile('/etc/hosts', files.hosts),
    bindFile('/etc/resolv.conf', files.resolvConf),
  ];
}

function bindFile(destination: string, source: string): Mount {
  return { destination, type: 'bind', source, options: ['bind', 'rprivate'] };
}

/** Where `--init`'s catatonit appears in the container, the path podman uses. */
export const INIT_PATH = '/run/podman-init';

export function initBinaryMount(hostPath: string): Mount {
  return { destination: INIT_PATH, type: 'bind', source: hostPath, options: ['bind', 'ro', 'rprivate'] };
}

/**
 * podman's `--read-only-tmpfs` (default on): a read-only root still gets writable scratch
 * space where programs expect it. `tmpcopyup` keeps what the image has there.
 */
export function readOnlyTmpfsMounts(): Mount[] {
  return ['/tmp', '/var/tmp', '/run'].map((destination) => ({
    destination,
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'],
  }));
}
