/**
 * Durability of a rename: rename(2) changes the directory, and only an fsync of the
 * directory itself guarantees the new name survives a power cut (ext4, xfs).
 */
import { open } from 'node:fs/promises';

export async function fsyncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
