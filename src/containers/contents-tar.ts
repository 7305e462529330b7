/**
 * A tar stream of what a directory holds, its entries named relative to it (`bin/`,
 * `etc/passwd`; no `./` entry for the directory itself), as podman's export names them.
 * The directory may be a running rootless container's /proc/PID/root link: it is
 * followed, never stored as a link.
 */
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { create as createTar } from 'tar';

/** Two zero blocks: a tar archive with no entries (node-tar refuses to create one). */
const EMPTY_ARCHIVE = Buffer.alloc(1024);

export async function tarOfContents(dir: string): Promise<Readable> {
  const names = await readdir(dir);
  if (names.length === 0) return Readable.from([EMPTY_ARCHIVE]);
  // portable: false keeps owners' names and the ctime/atime podman's archives carry too.
  return createTar({ cwd: dir, portable: false }, names) as unknown as Readable;
}
