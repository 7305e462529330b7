/**
 * A process told apart from a later one that got its PID: its start time, field 22 of
 * /proc/PID/stat, in clock ticks since boot. Recorded beside a PID wherever tpod must find
 * a process again in a later command (fuse-overlayfs holders, exec sessions).
 */
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/PID/stat; undefined for no such process or a zombie. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count from its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}
