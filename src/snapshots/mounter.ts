/**
 * The one place snapshots touch the mount table. Node has no mount(2), so the system
 * implementation spawns util-linux mount(8) and umount(8); tests of the drivers' logic can
 * use a recording fake instead (youki's syscall seam). fuse-overlayfs, for rootless, will
 * be a second implementation: `fuse-overlayfs -o OPTIONS TARGET` and `fusermount3 -u`.
 *
 * Failures come back as a `MountCommandError` with the errno class read from mount(8)'s
 * message, so a driver can say which layer or option was wrong in tpod's own words.
 */
import { execFileAsync as run } from '../exec-file.js';
import { UnavailableError } from '../errors.js';


export interface OverlayMountRequest {
  /** The data string for mount(2): lowerdir=…,upperdir=…,workdir=…,… */
  options: string;
  /** Absolute mount point. */
  target: string;
  /** Working directory of the mount call: relative lowerdir paths resolve against it. */
  cwd: string;
}

export interface Mounter {
  mountOverlay(request: OverlayMountRequest): Promise<void>;
  /** `lazy`: detach now, clean up when no longer busy (umount2 MNT_DETACH). */
  unmount(target: string, options?: { lazy?: boolean }): Promise<void>;
}

/** What the kernel refused, read from mount(8)/umount(8) messages (their strerror text). */
export type MountFailure =
  | 'busy' // EBUSY
  | 'not-mounted' // EINVAL from umount
  | 'invalid' // EINVAL from mount: bad option, bad superblock
  | 'no-device' // ENODEV: filesystem type unknown to the kernel
  | 'not-found' // ENOENT: a path in the options does not exist
  | 'loop' // ELOOP: symlink loop, or overlay's "conflicting lowerdir path"
  | 'permission' // EPERM / EACCES
  | 'other';

export class MountCommandError extends Error {
  readonly failure: MountFailure;
  /** mount(8)'s own message, first line. */
  readonly detail: string;

  constructor(failure: MountFailure, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'MountCommandError';
    this.failure = failure;
    this.detail = detail;
  }
}

const FAILURE_PATTERNS: ReadonlyArray<[RegExp, MountFailure]> = [
  [/target is busy|already mounted|mount point busy|Device or resource busy/i, 'busy'],
  [/not mounted/i, 'not-mounted'],
  [/unknown filesystem type|No such device/i, 'no-device'],
  [/wrong fs type|bad option|Invalid argument/i, 'invalid'],
  [/does not exist|No such file or directory/i, 'not-found'],
  [/Too many levels of symbolic links/i, 'loop'],
  [/must be superuser|Permission denied|Operation not permitted/i, 'permission'],
];

export function classifyMountMessage(message: string): MountFailure {
  for (const [pattern, failure] of FAILURE_PATTERNS) if (pattern.test(message)) return failure;
  return 'other';
}

export class SystemMounter implements Mounter {
  async mountOverlay(request: OverlayMountRequest): Promise<void> {
    // Source "overlay" is what mountinfo shows; the kernel ignores it for overlayfs.
    await spawnTool('mount', ['-t', 'overlay', 'overlay', '-o', request.options, '--', request.target], request.cwd);
  }

  async unmount(target: string, options: { lazy?: boolean } = {}): Promise<void> {
    await spawnTool('umount', [...(options.lazy ? ['-l'] : []), '--', target]);
  }
}

async function spawnTool(command: string, args: string[], cwd?: string): Promise<void> {
  try {
    await run(command, args, { encoding: 'utf8', ...(cwd === undefined ? {} : { cwd }) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT' && e.path === command) {
      throw new UnavailableError(`${command} not found`, { hint: 'install the Debian package mount', cause: err });
    }
    const detail = firstLine(e.stderr) || e.message;
    throw new MountCommandError(classifyMountMessage(detail), detail, { cause: err });
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n')[0]?.trim() ?? '';
}
