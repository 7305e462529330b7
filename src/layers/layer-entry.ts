/**
 * One tar entry of a layer, applied to a LayerTree: whiteouts recognised by name
 * (image-spec layer.md, "Whiteouts" and "Opaque Whiteout"), everything else by tar type
 * (layer.md, "File Types"). Paths are cleaned and checked here; the tree never sees a raw
 * entry name.
 */
import type { ReadEntry } from 'tar';
import { cleanEntryPath, EntryRefusal, type EntryPath } from './entry-path.js';
import type { LayerTree, NodeMetadata } from './tree.js';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';
/**
 * aufs kept its own bookkeeping under `.wh..wh.` names (`.wh..wh.plnk`, `.wh..wh.orph`);
 * old docker layers still carry them. They are not files of the image: skipped, as docker.
 */
const AUFS_METADATA_PREFIX = '.wh..wh.';

export async function applyEntry(tree: LayerTree, entry: ReadEntry): Promise<void> {
  const path = cleanEntryPath(entry.path);
  const name = path.at(-1);
  const parent = path.slice(0, -1);
  if (path.some((part) => part.startsWith(AUFS_METADATA_PREFIX) && part !== OPAQUE_WHITEOUT)) {
    return skipBody(entry);
  }
  if (name === OPAQUE_WHITEOUT) {
    skipBody(entry);
    return tree.opaque(parent);
  }
  if (name?.startsWith(WHITEOUT_PREFIX)) {
    const hidden = name.slice(WHITEOUT_PREFIX.length);
    if (hidden === '' || hidden === '.' || hidden === '..') throw new EntryRefusal('is a whiteout of no file');
    skipBody(entry);
    return tree.whiteout([...parent, hidden]);
  }
  return applyNode(tree, entry, path);
}

async function applyNode(tree: LayerTree, entry: ReadEntry, path: EntryPath): Promise<void> {
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return tree.file(path, metadata(entry, 0o644), entry);
    case 'Directory':
    case 'GNUDumpDir': // a directory whose body lists its contents: the body is not needed
      skipBody(entry);
      return tree.directory(path, metadata(entry, 0o755));
    case 'SymbolicLink':
      skipBody(entry);
      return tree.symlink(path, entry.linkpath ?? '', metadata(entry, 0o777));
    case 'Link':
      skipBody(entry);
      return tree.hardlink(path, hardlinkTarget(entry.linkpath ?? ''));
    case 'CharacterDevice':
    case 'BlockDevice':
    case 'FIFO': {
      skipBody(entry);
      const kind = entry.type === 'FIFO' ? 'fifo' : entry.type === 'BlockDevice' ? 'block' : 'character';
      return tree.node(path, kind, metadata(entry, 0o644), entry.header.devmaj ?? 0, entry.header.devmin ?? 0);
    }
    default:
      throw new EntryRefusal(`has unsupported type ${entry.type}`);
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

function metadata(entry: ReadEntry, defaultMode: number): NodeMetadata {
  return {
    mode: (entry.mode ?? defaultMode) & 0o7777,
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    mtime: entry.mtime,
    atime: entry.atime,
  };
}

/** Lets the parser move on past an entry whose body (normally empty) is not needed. */
function skipBody(entry: ReadEntry): void {
  entry.resume();
}
