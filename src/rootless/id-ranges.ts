/**
 * A rootless user's id mapping: container root is the user, container ids 1..N are the
 * user's subordinate ids from /etc/subuid and /etc/subgid (subuid(5)), as podman maps them.
 * Without subordinate ranges only root exists inside (a single-id mapping), and the caller
 * warns: files of other owners in images then belong to root in the container.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { IDMapping } from '../spec/types.js';
import { namespaceUser } from './namespace-user.js';

export interface IdRange {
  start: number;
  count: number;
}

export interface UserIdMapping {
  uid: number;
  gid: number;
  /** The container's uid_map / gid_map, container 0 first. */
  uidMappings: IDMapping[];
  gidMappings: IDMapping[];
  /** Both files had ranges for the user; false means the single-id fallback. */
  subordinate: boolean;
}

/** Ranges of `subuid(5)`-format text for a user, by name or by numeric id, in file order. */
export function parseSubordinateRanges(text: string, user: { name: string; id: number }): IdRange[] {
  const ranges: IdRange[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(':');
    if (fields.length !== 3 || fields[0]!.startsWith('#')) continue;
    if (fields[0] !== user.name && fields[0] !== String(user.id)) continue;
    const start = Number(fields[1]);
    const count = Number(fields[2]);
    if (Number.isSafeInteger(start) && Number.isSafeInteger(count) && start >= 0 && count > 0) ranges.push({ start, count });
  }
  return ranges;
}

/** The mapping for a host id with these subordinate ranges, stacked above container 0. */
export function mappingFor(hostId: number, ranges: readonly IdRange[]): IDMapping[] {
  const mappings: IDMapping[] = [{ containerID: 0, hostID: hostId, size: 1 }];
  let next = 1;
  for (const range of ranges) {
    mappings.push({ containerID: next, hostID: range.start, size: range.count });
    next += range.count;
  }
  return mappings;
}

export interface MappingSources {
  uid?: number;
  gid?: number;
  userName?: string;
  subuidText?: string;
  subgidText?: string;
}

/** The calling user's mapping, read from /etc/subuid and /etc/subgid. */
export function userIdMapping(sources: MappingSources = {}): UserIdMapping {
  const inNamespace = namespaceUser();
  const uid = sources.uid ?? inNamespace?.uid ?? process.geteuid!();
  const gid = sources.gid ?? inNamespace?.gid ?? process.getegid!();
  const name = sources.userName ?? inNamespace?.name ?? userName(uid);
  const uidRanges = parseSubordinateRanges(sources.subuidText ?? readOrEmpty('/etc/subuid'), { name, id: uid });
  const gidRanges = parseSubordinateRanges(sources.subgidText ?? readOrEmpty('/etc/subgid'), { name, id: uid });
  // Half a mapping cannot work (files of a subordinate uid with an unmapped gid): both or neither.
  const subordinate = uidRanges.length > 0 && gidRanges.length > 0;
  // The first range only: util-linux unshare (which maps the namespaces tpod unpacks and
  // removes files in) takes one range, and every namespace must map ids the same way.
  return {
    uid,
    gid,
    uidMappings: mappingFor(uid, subordinate ? uidRanges.slice(0, 1) : []),
    gidMappings: mappingFor(gid, subordinate ? gidRanges.slice(0, 1) : []),
    subordinate,
  };
}

function userName(uid: number): string {
  try {
    return userInfo().uid === uid ? userInfo().username : String(uid);
  } catch {
    return String(uid); // a uid without a passwd entry can still have numeric subuid lines
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
