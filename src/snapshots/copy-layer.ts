/**
 * Applies one unpacked layer onto a plain directory the way overlayfs would show it as the
 * layer above (Documentation/filesystems/overlayfs.rst, "whiteouts and opaque directories"):
 *   - a whiteout (character device 0/0) deletes the name below it;
 *   - an opaque directory (trusted.overlay.opaque=y) hides everything below it;
 *   - any other name replaces the one below, except directory over directory, which merge.
 *
 * Three steps per layer:
 *   1. clear the way, walking the layer top-down: delete what whiteouts and opaque
 *      directories hide, and every existing name the layer replaces (a directory where the
 *      layer has a file, any non-directory where the layer has anything). Besides overlay
 *      semantics this is what makes step 2 safe: cp then never meets an existing symlink,
 *      so it cannot write through one a lower layer planted (`etc -> /etc` of the host);
 *   2. `cp -a LAYER/. ROOTFS/`: ownership, modes, times, xattrs (file capabilities),
 *      hard links within the layer, device nodes; reflinks where the filesystem can;
 *   3. delete the whiteout devices cp copied and the opaque markers it copied, so the
 *      result is an ordinary tree (usable as a lowerdir itself, or as a runc rootfs).
 */
import { execFileAsync as run } from '../exec-file.js';
import { lstat, readdir, rm } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { ResourceExhaustedError, TpodError } from '../errors.js';
import { findOpaqueDirs, removeOpaqueMarkers } from './opaque-dirs.js';


export async function applyLayerCopy(layerDir: string, rootfs: string): Promise<void> {
  const opaqueDirs = await findOpaqueDirs(layerDir);
  const whiteouts: string[] = [];
  if (opaqueDirs.has('')) await clearDirectory(rootfs);
  await clearTheWay({ layerDir, rootfs, opaqueDirs, whiteouts }, '', true);
  await copyTree(layerDir, rootfs);
  for (const path of whiteouts) await rm(join(rootfs, path), { force: true });
  await removeOpaqueMarkers([...opaqueDirs].map((dir) => join(rootfs, dir)));
}

interface LayerWalk {
  layerDir: string;
  rootfs: string;
  opaqueDirs: ReadonlySet<string>;
  /** Collected: relative paths of the layer's whiteouts. */
  whiteouts: string[];
}

/**
 * Step 1 for the directory `dir` (relative). `inRootfs`: whether `dir` exists in the rootfs
 * as a real directory; when not, nothing below it can conflict and only whiteouts are
 * collected.
 */
async function clearTheWay(walk: LayerWalk, dir: string, inRootfs: boolean): Promise<void> {
  for (const entry of await readdir(join(walk.layerDir, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const below = inRootfs ? await lstatOrUndefined(join(walk.rootfs, path)) : undefined;
    if (entry.isDirectory()) {
      if (below && !below.isDirectory()) await rm(join(walk.rootfs, path), { recursive: true, force: true });
      else if (below && walk.opaqueDirs.has(path)) await clearDirectory(join(walk.rootfs, path));
      await clearTheWay(walk, path, below?.isDirectory() ?? false);
      continue;
    }
    if (entry.isCharacterDevice() && isWhiteout(await lstat(join(walk.layerDir, path)))) walk.whiteouts.push(path);
    if (below) await rm(join(walk.rootfs, path), { recursive: true, force: true });
  }
}

function isWhiteout(stats: Stats): boolean {
  return stats.isCharacterDevice() && stats.rdev === 0;
}

async function clearDirectory(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function copyTree(layerDir: string, rootfs: string): Promise<void> {
  try {
    await run('cp', ['-a', '--', `${layerDir}/.`, `${rootfs}/`], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const stderr = ((err as { stderr?: string }).stderr ?? '').trim();
    const first = stderr.split('\n')[0] || (err as Error).message;
    if (/No space left|Disk quota/.test(stderr)) {
      throw new ResourceExhaustedError(`no space left on device while copying layer ${layerDir}`, { cause: err });
    }
    throw new TpodError('internal', `copying layer ${layerDir} into ${rootfs}: ${first}`, { cause: err });
  }
}
