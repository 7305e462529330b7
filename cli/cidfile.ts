/**
 * `--cidfile` and `--ignore` of stop and rm (podman's): the targets named by container ID
 * files, and errors for containers that are already gone made harmless, so a systemd
 * unit's ExecStop/ExecStopPost succeed whatever state the container is in.
 */
import { readFileSync } from 'node:fs';
import { isTpodError, NotFoundError } from '../src/errors.js';

/** IDs from the files; with ignore, a missing or empty file names nothing. */
export function readCidFiles(paths: string[], ignore: boolean): string[] {
  const ids: string[] = [];
  for (const path of paths) {
    let id = '';
    try {
      id = readFileSync(path, 'utf8').trim();
    } catch (err) {
      if (ignore && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new NotFoundError(`reading CIDFile ${path}: ${(err as Error).message}`);
    }
    if (id) ids.push(id);
    else if (!ignore) throw new NotFoundError(`CIDFile ${path} is empty`);
  }
  return ids;
}

/** With --ignore, "no such container" is success: the target is already gone. */
export async function ignoringMissing(ignore: boolean, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (ignore && isTpodError(err) && err.kind === 'not-found') return;
    throw err;
  }
}
