/**
 * The kernel's own words about a failed mount. mount(2) returns only an errno: EINVAL for
 * every bad overlay option, ENOENT for an unresolvable lowerdir. overlayfs says *why* in
 * the kernel log ("overlayfs: failed to resolve 'x': -2", "workdir and upperdir must be
 * separate subtrees"); util-linux 2.38's mount(8) only points at dmesg(1). So after a
 * failure we read /dev/kmsg (Documentation/ABI/testing/dev-kmsg): one record per read(2),
 * "PRI,SEQ,TIMESTAMP_USEC,FLAGS;MESSAGE", the timestamp on the clock Node's hrtime uses
 * (CLOCK_MONOTONIC), so records since the mount started are told apart by time.
 * Best effort: unreadable (no root, a container without /dev/kmsg) means no messages.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';

/** Microseconds on the kernel log's clock; take it just before the operation. */
export function kernelLogClock(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/**
 * How far the log's clock may run behind CLOCK_MONOTONIC. Records are stamped with the
 * scheduler clock (local_clock), which is not quite the monotonic clock: on this VM it lagged
 * by ~4 ms, so a mount spawned within 4 ms logged "before" it started and its reason was lost.
 */
const CLOCK_SKEW_USEC = 250_000n;

/** Messages logged since `sinceUsec` (less the clock skew) that match `pattern`, oldest first. */
export function kernelMessagesSince(sinceUsec: bigint, pattern: RegExp): string[] {
  const messages: string[] = [];
  for (const record of readKernelLog()) {
    if (record.usec >= sinceUsec - CLOCK_SKEW_USEC && pattern.test(record.message)) messages.push(record.message);
  }
  return messages;
}

interface KernelLogRecord {
  usec: bigint;
  message: string;
}

function readKernelLog(): KernelLogRecord[] {
  let fd: number;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  try {
    return readRecords(fd);
  } finally {
    closeSync(fd);
  }
}

function readRecords(fd: number): KernelLogRecord[] {
  const records: KernelLogRecord[] = [];
  const buffer = Buffer.alloc(8192);
  for (;;) {
    let length: number;
    try {
      length = readSync(fd, buffer, 0, buffer.length, null);
    } catch (err) {
      // EPIPE: records we had not read yet were overwritten; the read position moved on.
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') continue;
      return records; // EAGAIN: the end of the log
    }
    const record = parseRecord(buffer.toString('utf8', 0, length));
    if (record) records.push(record);
  }
}

function parseRecord(text: string): KernelLogRecord | undefined {
  const semicolon = text.indexOf(';');
  const usec = text.slice(0, semicolon).split(',')[2];
  if (semicolon < 0 || usec === undefined || !/^\d+$/.test(usec)) return undefined;
  // Continuation lines (" KEY=value" dictionary) follow the first newline.
  const message = text.slice(semicolon + 1).split('\n')[0] ?? '';
  return { usec: BigInt(usec), message };
}
