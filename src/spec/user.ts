/**
 * `-u user[:group]` (or the image's User) to the numeric process.user of the runtime spec,
 * looked up in the image's own /etc/passwd and /etc/group, read safely (rootfs-file.ts).
 *
 * Rules, as podman and runc (libcontainer/user GetExecUser):
 * - nothing given: root, 0:0;
 * - a number is a uid, valid without a passwd entry; the primary gid is the entry's gid
 *   when there is one, else 0;
 * - a name must have a passwd entry: `unable to find user NAME: no matching entries in
 *   passwd file`;
 * - `:group` (number or name) replaces the primary gid; a named group must exist;
 * - supplementary groups are the /etc/group entries listing the user's name, only when no
 *   group was given: `-u user:group` asks for exactly that group (runc does the same);
 * - `--group-add` groups (names looked up the same way, or numbers) are added to them.
 */
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { parseGroup, parseId, parsePasswd, type GroupEntry, type PasswdEntry } from './passwd.js';
import { readRootfsFile } from './rootfs-file.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** The passwd entry's home directory, when the user has one. */
  home?: string;
}

/** Account files are a few kilobytes; anything past this is refused, not read. */
export const ACCOUNT_FILE_MAX_BYTES = 1024 * 1024;

/** Reads a file as the container would see it; undefined when it is not there. */
export type RootfsFileReader = (path: string, maxBytes: number) => Promise<string | undefined>;

/** `rootfs`: a mounted root filesystem, or a reader for one tpod cannot see mounted (rootless). */
export async function resolveUser(rootfs: string | RootfsFileReader, spec?: string, groupAdd: readonly string[] = []): Promise<ResolvedUser> {
  const { user, group } = splitUserSpec(spec ?? '');
  const read: RootfsFileReader = typeof rootfs === 'string' ? (path, maxBytes) => readRootfsFile(rootfs, path, maxBytes) : rootfs;
  const passwd = parsePasswd((await read('/etc/passwd', ACCOUNT_FILE_MAX_BYTES)) ?? '');
  const groups = parseGroup((await read('/etc/group', ACCOUNT_FILE_MAX_BYTES)) ?? '');
  return resolveFromEntries(user, group, passwd, groups, groupAdd);
}

/** "name", "1000", "name:group", "1000:100"; empty user means root. */
export function splitUserSpec(spec: string): { user: string; group?: string } {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  if (colon === -1) return { user: trimmed === '' ? '0' : trimmed };
  const user = trimmed.slice(0, colon);
  const group = trimmed.slice(colon + 1);
  if (user === '') throw new InvalidArgumentError(`invalid user ${JSON.stringify(spec)}: the user part is empty`);
  return group === '' ? { user } : { user, group };
}

/** The pure part of resolveUser, on already parsed account files. */
export function resolveFromEntries(user: string, group: string | undefined, passwd: PasswdEntry[], groups: GroupEntry[], groupAdd: readonly string[] = []): ResolvedUser {
  const entry = findUser(user, passwd);
  const uid = entry?.uid ?? numericId(user, 'user');
  let gid = entry?.gid ?? 0;
  let additionalGids: number[] = [];
  if (group !== undefined) {
    gid = findGroupId(group, groups);
  } else if (entry) {
    additionalGids = supplementaryGroups(entry.name, gid, groups);
  }
  additionalGids = [...new Set([...additionalGids, ...groupAdd.map((extra) => findGroupId(extra, groups))])];
  const resolved: ResolvedUser = { uid, gid, additionalGids };
  if (entry?.home) resolved.home = entry.home;
  return resolved;
}

function findUser(user: string, passwd: PasswdEntry[]): PasswdEntry | undefined {
  if (isNumeric(user)) {
    const uid = numericId(user, 'user');
    return passwd.find((e) => e.uid === uid);
  }
  const entry = passwd.find((e) => e.name === user);
  if (!entry) throw new NotFoundError(`unable to find user ${user}: no matching entries in passwd file`);
  return entry;
}

function findGroupId(group: string, groups: GroupEntry[]): number {
  if (isNumeric(group)) return numericId(group, 'group');
  const entry = groups.find((e) => e.name === group);
  if (!entry) throw new NotFoundError(`unable to find group ${group}: no matching entries in group file`);
  return entry.gid;
}

function supplementaryGroups(name: string, primaryGid: number, groups: GroupEntry[]): number[] {
  const gids = groups.filter((g) => g.members.includes(name) && g.gid !== primaryGid).map((g) => g.gid);
  return [...new Set(gids)];
}

function isNumeric(text: string): boolean {
  return /^\d+$/.test(text);
}

function numericId(text: string, what: 'user' | 'group'): number {
  const id = parseId(text);
  if (id === undefined) throw new InvalidArgumentError(`invalid ${what} ${text}: ids range from 0 to 4294967294`);
  return id;
}
