/**
 * Where a tar entry may land. Layer entries name paths relative to the root filesystem
 * (image-spec layer.md, "Populate Initial Filesystem": `./etc/my-app-config`). A name is
 * cleaned the way the path would resolve lexically (`a/../b` is `b`); one that is absolute,
 * or whose `..` climbs above the root, is refused: it can only be an attempt to write
 * outside the layer (the tar-slip family, CVE-2018-1002200 in container engines).
 */

/** A cleaned path: components under the layer root; `[]` is the root itself. */
export type EntryPath = readonly string[];

/** Why an entry was refused; the caller adds which layer and which entry. */
export class EntryRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EntryRefusal';
  }
}

export function cleanEntryPath(name: string): EntryPath {
  if (name.startsWith('/')) throw new EntryRefusal('is an absolute path');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new EntryRefusal('escapes the layer root');
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts;
}

/** The relative form used as a key and in messages; `.` for the root. */
export function relativeName(path: EntryPath): string {
  return path.length === 0 ? '.' : path.join('/');
}
