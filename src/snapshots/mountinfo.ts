/**
 * The mount table as the kernel sees it: /proc/self/mountinfo (proc(5)), read fresh on
 * every question because another tpod process may have mounted or unmounted since.
 * Mount points there are canonical (symlinks resolved) and escape space, tab, newline and
 * backslash as octal (`\040`), so callers compare against realpath'd, unescaped paths.
 */
import { readFile } from 'node:fs/promises';

export interface MountEntry {
  /** Where it is mounted, unescaped. */
  mountPoint: string;
  /** Filesystem type after the " - " separator: "overlay", "fuse.fuse-overlayfs", "ext4". */
  fsType: string;
  /** The mount source ("overlay" for our overlay mounts). */
  source: string;
  /** Per-superblock options: for overlay, lowerdir/upperdir/workdir as passed to mount. */
  superOptions: string;
}

const MOUNTINFO = '/proc/self/mountinfo';

export async function readMountTable(path = MOUNTINFO): Promise<MountEntry[]> {
  return parseMountInfo(await readFile(path, 'utf8'));
}

export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = parseLine(line);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** One line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS */
function parseLine(line: string): MountEntry | undefined {
  const fields = line.split(' ');
  const separator = fields.indexOf('-', 6);
  const mountPoint = fields[4];
  if (separator < 0 || mountPoint === undefined) return undefined;
  return {
    mountPoint: unescapeOctal(mountPoint),
    fsType: fields[separator + 1] ?? '',
    source: unescapeOctal(fields[separator + 2] ?? ''),
    superOptions: fields[separator + 3] ?? '',
  };
}

function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Whether anything is mounted exactly at `path` (canonical). */
export function isMountPoint(table: readonly MountEntry[], path: string): boolean {
  return table.some((entry) => entry.mountPoint === path);
}

/** Mount points at or below `dir` (canonical), deepest first: the order to unmount them in. */
export function mountPointsBelow(table: readonly MountEntry[], dir: string): string[] {
  const below = table.map((entry) => entry.mountPoint).filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(below)].sort((a, b) => b.length - a.length);
}
