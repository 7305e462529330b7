/**
 * The few filesystem calls Node has no API for: mknod(2), setxattr(2) and syncfs(2).
 * Each spawns a standard tool, so this file is the whole cost of having no native addon:
 *   - `mknod` (coreutils, always installed) for device nodes, FIFOs and the one whiteout
 *     device per layer that all whiteouts hard-link to (see overlay-markers.ts);
 *   - `setfattr` (Debian package `attr`) for overlayfs' opaque xattr, once per layer that has
 *     opaque directories, with all of them on one command line;
 *   - `sync -f` (coreutils) to flush an unpacked layer before it is renamed into place.
 * A spawn costs about a millisecond; layers need these rarely, so unpacking stays in Node.
 */
import { execFileAsync as run } from '../exec-file.js';
import { PermissionDeniedError, ResourceExhaustedError, TpodError, UnavailableError } from '../errors.js';


export type NodeKind = 'character' | 'block' | 'fifo';

const MKNOD_TYPE: Record<NodeKind, string> = { character: 'c', block: 'b', fifo: 'p' };

/** Creates a device node or FIFO; mknod(1) applies `mode` exactly, without the umask. */
export async function mknod(path: string, kind: NodeKind, mode: number, major = 0, minor = 0): Promise<void> {
  const args = ['-m', (mode & 0o7777).toString(8), '--', path, MKNOD_TYPE[kind]];
  if (kind !== 'fifo') args.push(String(major), String(minor));
  await tool('mknod', args, `creating ${kind} node ${path}`, 'coreutils');
}

/**
 * Sets one xattr on many paths in one process. `-h` sets it on a symlink itself rather than
 * its target, so a path that became a symlink can never redirect the write.
 */
export async function setXattr(paths: readonly string[], name: string, value: string): Promise<void> {
  // Stay far below ARG_MAX (2 MiB on Linux) however many directories a layer marks.
  for (const batch of batches(paths, 64 * 1024)) {
    await tool('setfattr', ['-h', '-n', name, '-v', value, '--', ...batch], `setting ${name} on ${batch[0]}`, 'attr');
  }
}

/** Flushes the filesystem holding `path` (syncfs(2)), so a rename after it is durable. */
export async function syncFilesystem(path: string): Promise<void> {
  await tool('sync', ['-f', '--', path], `flushing the filesystem of ${path}`, 'coreutils');
}

async function tool(command: string, args: string[], what: string, debianPackage: string): Promise<void> {
  try {
    await run(command, args, { encoding: 'utf8' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new UnavailableError(`${command} not found while ${what}`, { hint: `install the Debian package ${debianPackage}`, cause: err });
    }
    const stderr = e.stderr?.trim() || e.message;
    if (/No space left|Disk quota/.test(stderr)) throw new ResourceExhaustedError(`no space left on device while ${what}`, { cause: err });
    if (/Operation not permitted|Permission denied/.test(stderr)) {
      throw new PermissionDeniedError(`permission denied while ${what}: ${stderr}`, { cause: err });
    }
    throw new TpodError('internal', `${what}: ${stderr}`, { cause: err });
  }
}

function* batches(paths: readonly string[], maxChars: number): Generator<string[]> {
  let batch: string[] = [];
  let chars = 0;
  for (const path of paths) {
    if (batch.length > 0 && chars + path.length + 1 > maxChars) {
      yield batch;
      batch = [];
      chars = 0;
    }
    batch.push(path);
    chars += path.length + 1;
  }
  if (batch.length > 0) yield batch;
}
