/**
 * Reading a file of a snapshot that is not mounted where tpod can see it: a rootless
 * container's overlay is mounted by the runtime inside the container's own namespaces, so
 * its /etc/passwd and /etc/group are looked up through the layer directories, the way
 * overlayfs would merge them (Documentation/filesystems/overlayfs.rst): for each path
 * component the topmost layer that has the name decides; a whiteout (a 0/0 character
 * device) hides it from every layer below; a symlink is resolved inside the container's
 * "/" (absolute targets restart there, `..` never climbs above it), never on the host.
 * Opaque directories are not honoured (reading the xattr costs a process per directory):
 * a lower file hidden by an opaque directory could be read where the container sees none.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fromSystemError, InvalidArgumentError } from '../errors.js';

const MAX_SYMLINKS = 40;

type Found = { kind: 'file'; path: string; stats: Stats } | { kind: 'dir' } | { kind: 'symlink'; target: string } | { kind: 'none' };

/**
 * The content of `path` (absolute inside the container) merged from `layersTopFirst`, or
 * undefined when it does not exist, is not a regular file, or loops; over `maxBytes`: refused.
 */
export async function readLayeredFile(layersTopFirst: readonly string[], path: string, maxBytes: number): Promise<string | undefined> {
  if (!path.startsWith('/')) throw new InvalidArgumentError(`not an absolute path: ${path}`);
  try {
    const located = await locate(layersTopFirst, path);
    if (!located) return undefined;
    if (located.stats.size > maxBytes) throw new InvalidArgumentError(`${path} in the image is larger than ${maxBytes} bytes`);
    const handle = await open(located.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw fromSystemError(err, `reading ${path} in the image layers`);
  }
}

async function locate(layers: readonly string[], path: string): Promise<{ path: string; stats: Stats } | undefined> {
  let pending = components(path);
  let resolved: string[] = [];
  let symlinks = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const found = await lookup(layers, [...resolved, name]);
    if (found.kind === 'none') return undefined;
    if (found.kind === 'symlink') {
      if (++symlinks > MAX_SYMLINKS) return undefined;
      if (found.target.startsWith('/')) resolved = [];
      pending = [...components(found.target), ...pending];
      continue;
    }
    if (found.kind === 'file') return pending.length === 0 ? found : undefined;
    resolved.push(name);
  }
  return undefined; // the path named a directory
}

/** The topmost layer's entry at `parts`, as overlayfs would show it. */
async function lookup(layers: readonly string[], parts: readonly string[]): Promise<Found> {
  for (const layer of layers) {
    // A parent that is not a real directory in this layer ends the merge here (and must
    // not be followed on the host if it is a symlink).
    const parents = await directoryChain(layer, parts.slice(0, -1));
    if (parents === 'missing') continue;
    if (parents === 'ends') return { kind: 'none' };
    const path = join(layer, ...parts);
    let stats: Stats;
    try {
      stats = await lstat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw err;
    }
    if (stats.isCharacterDevice() && stats.rdev === 0) return { kind: 'none' }; // whiteout
    if (stats.isSymbolicLink()) return { kind: 'symlink', target: await readlink(path) };
    if (stats.isDirectory()) return { kind: 'dir' };
    return stats.isFile() ? { kind: 'file', path, stats } : { kind: 'none' };
  }
  return { kind: 'none' };
}

async function directoryChain(layer: string, parents: readonly string[]): Promise<'ok' | 'missing' | 'ends'> {
  for (let i = 1; i <= parents.length; i++) {
    try {
      if (!(await lstat(join(layer, ...parents.slice(0, i)))).isDirectory()) return 'ends';
    } catch {
      return 'missing';
    }
  }
  return 'ok';
}

function components(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}
