/**
 * One tar entry of a layer, applied to a LayerTree: whiteouts recognised by name
 * (image-spec layer.md, "Whiteouts" and "Opaque Whiteout"), everything else by tar type
 * (layer.md, "File Types"). Paths are cleaned and checked here; the tree never sees a raw
 * entry name.
 */
import { cleanEntryPath, EntryRefusal, type EntryPath } from './entry-path.js';
import type { EntryBody, TarEntry } from './tar-reader.js';
import type { LayerTree, NodeMetadata } from './tree.js';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';
/**
 * aufs kept its own bookkeeping under `.wh..wh.` names (`.wh..wh.plnk`, `.wh..wh.orph`);
 * old docker layers still carry them. They are not files of the image: skipped, as docker.
 */
const AUFS_METADATA_PREFIX = '.wh..wh.';

/**
 * Applies `entry` to `tree`. A regular file gets a body to write its bytes to; whiteout
 * markers and device nodes may need a promise waited for; everything else is done on
 * return. Bodies of other entries (normally empty) are skipped by the reader.
 */
export function applyEntry(tree: LayerTree, entry: TarEntry): EntryBody | Promise<void> | void {
  const path = cleanEntryPath(entry.path);
  const name = path.at(-1);
  const parent = path.slice(0, -1);
  if (path.some((part) => part.startsWith(AUFS_METADATA_PREFIX) && part !== OPAQUE_WHITEOUT)) return undefined;
  if (name === OPAQUE_WHITEOUT) return tree.opaque(parent);
  if (name?.startsWith(WHITEOUT_PREFIX)) {
    const hidden = name.slice(WHITEOUT_PREFIX.length);
    if (hidden === '' || hidden === '.' || hidden === '..') throw new EntryRefusal('is a whiteout of no file');
    return tree.whiteout([...parent, hidden]);
  }
  switch (entry.type) {
    case 'file':
      return tree.file(path, metadata(entry, 0o644));
    case 'directory':
      return tree.directory(path, metadata(entry, 0o755));
    case 'symlink':
      return tree.symlink(path, entry.linkpath, metadata(entry, 0o777));
    case 'hardlink':
      return tree.hardlink(path, hardlinkTarget(entry.linkpath));
    case 'character':
    case 'block':
    case 'fifo':
      return tree.node(path, entry.type, metadata(entry, 0o644), entry.devmajor, entry.devminor);
  }
}

/** Hard link names are archive paths too, and must stay inside the root like entries. */
function hardlinkTarget(linkpath: string): EntryPath {
  try {
    return cleanEntryPath(linkpath);
  } catch (err) {
    if (err instanceof EntryRefusal) throw new EntryRefusal(`is a hardlink to "${linkpath}" outside the layer root`);
    throw err;
  }
}

function metadata(entry: TarEntry, defaultMode: number): NodeMetadata {
  return {
    mode: (entry.mode ?? defaultMode) & 0o7777,
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    mtime: entry.mtime,
    atime: entry.atime,
  };
}
