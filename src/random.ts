/**
 * Random bytes straight from the kernel (getrandom's pool, via /dev/urandom), for ids and
 * temporary names. node:crypto would do the same but costs ~6 ms of start-up to load on
 * these machines, which every `run` paid for one container id.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export function randomBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let filled = 0; filled < size; ) filled += readSync(fd, bytes, filled, size - filled, null);
  } finally {
    closeSync(fd);
  }
  return bytes;
}
