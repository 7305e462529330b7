/**
 * Removing a directory tree of a rootless store. Files that containers or images own
 * belong to the user's subordinate ids (and directories may be 0500), so the user cannot
 * delete them directly; root of the user's namespace can. A tree the user can delete
 * directly goes without spawning anything.
 */
import { rm } from 'node:fs/promises';
import { fromSystemError } from '../errors.js';
import type { UserIdMapping } from './id-ranges.js';
import { runInUserNamespace } from './user-namespace.js';

export async function removeTree(path: string, mapping: UserIdMapping | undefined): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 2 });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!mapping || (code !== 'EACCES' && code !== 'EPERM')) throw fromSystemError(err, `removing ${path}`);
  }
  await runInUserNamespace(mapping, ['rm', '-rf', '--', path], `removing ${path}`);
}
