/**
 * Short names for layer directories: `<root>/layers/l/<name>` → `../<chain-id-hex>`.
 * A lowerdir list of 64-digit chain ids fills mount(2)'s one page at about 60 layers; with
 * 8-character names and `l/` as the mount's working directory each layer costs 9 bytes,
 * enough for overlayfs' own limit of 500 layers. containers/storage keeps such a directory
 * for the same reason; its names are random and stored in the layer, ours are derived from
 * the target, so any process computes the same name without writing into a layer.
 *
 * Creating a link is idempotent and atomic: a correct link is left alone; otherwise a new
 * symlink is made under a unique temporary name and renamed over the name, so a reader
 * never sees a half-made or missing link while another process creates it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readlink, rename, stat, symlink, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CorruptError } from '../errors.js';

export const LINKS_DIR_NAME = 'l';
/** Name lengths tried in turn; a longer one only if a shorter one is taken by another layer. */
const NAME_LENGTHS = [8, 16, 32];

export function layerLinksDir(layersRoot: string): string {
  return join(layersRoot, LINKS_DIR_NAME);
}

/** Short link names for `lowerDirs` (same order), creating the links that are missing. */
export async function ensureLayerLinks(layersRoot: string, lowerDirs: readonly string[]): Promise<string[]> {
  const linksDir = layerLinksDir(layersRoot);
  await mkdir(linksDir, { recursive: true, mode: 0o700 });
  const names: string[] = [];
  for (const lower of lowerDirs) names.push(await ensureLayerLink(linksDir, relative(linksDir, lower)));
  return names;
}

async function ensureLayerLink(linksDir: string, target: string): Promise<string> {
  const digest = createHash('sha256').update(target).digest('base64url');
  for (const length of NAME_LENGTHS) {
    const name = digest.slice(0, length);
    const current = await readLink(join(linksDir, name));
    if (current === target) return name;
    if (current === undefined) {
      await replaceLink(linksDir, name, target);
      return name;
    }
    // Taken by another layer's target: a hash prefix collision; try a longer prefix.
  }
  throw new CorruptError(`no free short link name for layer ${target} in ${linksDir}`);
}

async function readLink(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function replaceLink(linksDir: string, name: string, target: string): Promise<void> {
  const temporary = join(linksDir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await symlink(target, temporary);
  try {
    await rename(temporary, join(linksDir, name));
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
}

/**
 * Deletes links whose layer is gone, for the image GC to call after it deletes layers.
 * Returns how many were removed. A temporary link a killed process left goes with its
 * layer; one still being renamed into place points at a live layer and is left alone.
 */
export async function pruneLayerLinks(layersRoot: string): Promise<number> {
  const linksDir = layerLinksDir(layersRoot);
  let names: string[];
  try {
    names = await readdir(linksDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const path = join(linksDir, name);
    if (await stat(path).then(() => true, () => false)) continue;
    await unlink(path).catch(() => undefined);
    removed++;
  }
  return removed;
}
