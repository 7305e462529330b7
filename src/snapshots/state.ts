/**
 * A snapshot's record, `snapshot.json` in its directory: which driver made it and over
 * which layers, so a later tpod process can mount it again without the database.
 *
 * It is the commit point of `prepare`, as a content store's rename is for a blob: written
 * last, to a temporary name, flushed, then renamed into place and the directory flushed.
 * A snapshot directory without it is debris of a killed prepare, which `remove` deletes.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptError } from '../errors.js';
import type { SnapshotLayout } from './layout.js';

export type SnapshotDriverName = 'overlay' | 'fuse-overlayfs' | 'copy';

const DRIVER_NAMES: readonly string[] = ['overlay', 'fuse-overlayfs', 'copy'];

export interface SnapshotState {
  version: 1;
  driver: SnapshotDriverName;
  /** Absolute layer directories, bottom layer first (image config order). */
  lowers: string[];
  /** RFC 3339 time of prepare. */
  created: string;
}

export async function writeSnapshotState(layout: SnapshotLayout, state: SnapshotState): Promise<void> {
  const temporary = join(layout.dir, `.snapshot.json.${process.pid}.tmp`);
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(state, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, layout.stateFile);
  await syncDirectory(layout.dir);
}

/** The state, or undefined when the file is missing (a half-prepared snapshot). */
export async function readSnapshotState(layout: SnapshotLayout): Promise<SnapshotState | undefined> {
  let text: string;
  try {
    text = await readFile(layout.stateFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  return parseSnapshotState(text, layout.stateFile);
}

function parseSnapshotState(text: string, path: string): SnapshotState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CorruptError(`snapshot state is not json: ${path}`, { cause: err });
  }
  const state = value as Partial<SnapshotState> | null;
  const valid =
    state !== null &&
    typeof state === 'object' &&
    state.version === 1 &&
    DRIVER_NAMES.includes(state.driver as string) &&
    Array.isArray(state.lowers) &&
    state.lowers.every((lower) => typeof lower === 'string' && lower.startsWith('/')) &&
    typeof state.created === 'string';
  if (!valid) throw new CorruptError(`snapshot state is malformed: ${path}`);
  return state as SnapshotState;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
