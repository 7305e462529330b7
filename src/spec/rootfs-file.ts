/**
 * Reading a file of an image's rootfs (its /etc/passwd, /etc/group) from the host.
 *
 * The rootfs is untrusted: an image may make /etc/passwd, or /etc itself, a symlink to
 * "/../../../etc/shadow". Following it with a plain open(2) from the host would read the
 * host's file. So the path is resolved the way the kernel would resolve it inside the
 * container, with the rootfs as "/" (as runc's securejoin does): every component is opened
 * with O_PATH|O_NOFOLLOW relative to the directory before it (through /proc/self/fd, Node
 * having no openat), a symlink's target is spliced into the remaining path, absolute
 * targets restart at the rootfs, and `..` never climbs above it. Because each step holds
 * the directory open, swapping a directory for a symlink mid-walk cannot redirect it. The
 * final file is reopened for reading through its O_PATH descriptor only if it is a regular
 * file, so a FIFO or a device node is never opened.
 */
import { constants } from 'node:fs';
import { open, readlink, type FileHandle } from 'node:fs/promises';
import { fromSystemError, InvalidArgumentError } from '../errors.js';

/** open(2)'s O_PATH on x86 and arm (asm-generic); Node does not export it. */
const O_PATH = 0o10000000;
/** The kernel's own limit on symlinks followed in one path walk (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/**
 * The content of `path` (absolute, as seen inside the container) in `rootfs`, or undefined
 * when it does not exist there, is not a regular file, or loops. Files larger than
 * `maxBytes` are refused: account files are small and a huge one is an attack on memory.
 */
export async function readRootfsFile(rootfs: string, path: string, maxBytes: number): Promise<string | undefined> {
  try {
    return await readLocated(rootfs, path, maxBytes);
  } catch (err) {
    throw fromSystemError(err, `reading ${path} in rootfs ${rootfs}`);
  }
}

async function readLocated(rootfs: string, path: string, maxBytes: number): Promise<string | undefined> {
  const located = await openInRoot(rootfs, path);
  if (!located) return undefined;
  try {
    const file = await open(`/proc/self/fd/${located.fd}`, constants.O_RDONLY | constants.O_NOCTTY);
    try {
      return await readCapped(file, path, maxBytes);
    } finally {
      await file.close();
    }
  } finally {
    await located.close();
  }
}

async function readCapped(file: FileHandle, path: string, maxBytes: number): Promise<string> {
  const buffer = Buffer.allocUnsafe(maxBytes + 1);
  let length = 0;
  for (;;) {
    const { bytesRead } = await file.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > maxBytes) throw new InvalidArgumentError(`${path} in the image is larger than ${maxBytes} bytes`);
  }
  return buffer.subarray(0, length).toString('utf8');
}

/** An O_PATH handle on the regular file `path` resolves to inside `rootfs`, if any. */
async function openInRoot(rootfs: string, path: string): Promise<FileHandle | undefined> {
  const dirs: FileHandle[] = [await open(rootfs, O_PATH | constants.O_DIRECTORY)];
  let pending = components(path);
  let symlinks = 0;
  try {
    while (pending.length > 0) {
      const name = pending.shift() as string;
      if (name === '..') {
        if (dirs.length > 1) await dirs.pop()?.close();
        continue;
      }
      const at = `/proc/self/fd/${(dirs.at(-1) as FileHandle).fd}/${name}`;
      const handle = await openComponent(at);
      if (!handle) return undefined;
      const stat = await handle.stat();
      if (stat.isSymbolicLink()) {
        await handle.close();
        if (++symlinks > MAX_SYMLINKS) return undefined;
        const target = await readlinkOrUndefined(at);
        if (target === undefined) return undefined;
        if (target.startsWith('/')) while (dirs.length > 1) await dirs.pop()?.close();
        pending = [...components(target), ...pending];
      } else if (pending.length === 0) {
        if (stat.isFile()) return handle;
        await handle.close();
        return undefined;
      } else if (stat.isDirectory()) {
        dirs.push(handle);
      } else {
        await handle.close();
        return undefined;
      }
    }
    return undefined;
  } finally {
    await Promise.all(dirs.map((dir) => dir.close()));
  }
}

function components(path: string): string[] {
  return path.split('/').filter((name) => name !== '' && name !== '.');
}

async function openComponent(at: string): Promise<FileHandle | undefined> {
  try {
    return await open(at, O_PATH | constants.O_NOFOLLOW);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function readlinkOrUndefined(at: string): Promise<string | undefined> {
  try {
    return await readlink(at);
  } catch (err) {
    // EINVAL: the symlink was replaced by something else since it was opened.
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}
