/**
 * The image's account files, parsed as glibc's files backend reads them (passwd(5),
 * group(5)): colon-separated fields, one entry per line. Lines that are malformed, are
 * comments, or are NIS compat entries (`+`/`-`) are skipped, as they name nobody a
 * container can be started as.
 */

/** passwd(5): name:password:UID:GID:GECOS:directory:shell. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** group(5): group_name:password:GID:user_list. */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const fields of records(text, 7)) {
    const uid = parseId(fields[2]);
    const gid = parseId(fields[3]);
    if (uid === undefined || gid === undefined) continue;
    entries.push({ name: fields[0] ?? '', uid, gid, home: fields[5] ?? '' });
  }
  return entries;
}

export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const fields of records(text, 4)) {
    const gid = parseId(fields[2]);
    if (gid === undefined) continue;
    const members = (fields[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean);
    entries.push({ name: fields[0] ?? '', gid, members });
  }
  return entries;
}

function* records(text: string, fieldCount: number): Generator<string[]> {
  for (const line of text.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('+') || trimmed.startsWith('-')) continue;
    const fields = trimmed.split(':');
    if (fields.length < fieldCount || fields[0] === '') continue;
    yield fields;
  }
}

/** Largest valid id: (uid_t)-1 is reserved as "no id" by the kernel. */
export const MAX_ID = 2 ** 32 - 2;

/** A decimal id in 0..MAX_ID, or undefined. */
export function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id <= MAX_ID ? id : undefined;
}
