/**
 * User mounts: `-v SRC:DST[:OPTS]` and `--tmpfs DST[:OPTS]` parsing, their runtime-spec
 * form, and the order mounts are made in.
 *
 * `-v` follows podman: SRC is an absolute host path (a bind mount) or a volume name
 * (resolved by the caller to a host path, see bindNamedVolume); a lone DST asks for an
 * anonymous volume. OPTS is a comma list of ro|rw, z|Z (SELinux relabelling, accepted and
 * ignored: tpod does not run with SELinux labels), bind|rbind (rbind is the default, as
 * podman), a propagation mode (rprivate is the default), nosuid|suid, nodev|dev,
 * noexec|exec, and copy|nocopy (meaningful for volumes only).
 */
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { BindMountRequest, MountRequest, TmpfsMountRequest } from './options.js';
import type { Mount } from './types.js';

/** `-v NAME:DST` or `-v DST`: the caller creates or finds the volume, then binds it. */
export interface VolumeMountRequest {
  type: 'volume';
  /** Undefined for an anonymous volume (`-v /data`). */
  name?: string;
  destination: string;
  readOnly: boolean;
  options: string[];
  /** `nocopy`: do not copy the image's content at DST into a new volume. */
  noCopy: boolean;
}

const PROPAGATION = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable'];
const BIND_FLAGS = ['nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec'];
/** Docker's volume name grammar. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function parseVolumeFlag(value: string): BindMountRequest | VolumeMountRequest {
  const parts = value.split(':');
  if (parts.length > 3 || parts.some((part, i) => part === '' && i < 2)) {
    throw new InvalidArgumentError(`invalid volume ${JSON.stringify(value)}: expected [SOURCE:]DESTINATION[:OPTIONS]`);
  }
  const [first, second, third] = parts as [string, string | undefined, string | undefined];
  // One part is DST; two parts are SRC:DST, or DST:OPTS when the second is an option list.
  const [source, destinationText, optionText] =
    second === undefined ? [undefined, first, ''] : isDestinationAndOptions(second, third) ? [undefined, first, second] : [first, second, third ?? ''];
  const destination = containerPath(destinationText, value);
  const parsed = parseBindOptions(optionText, value);
  if (source !== undefined && source.startsWith('/')) {
    return { type: 'bind', source: posix.normalize(source), destination, readOnly: parsed.readOnly, options: parsed.options };
  }
  if (source !== undefined && !VOLUME_NAME.test(source)) {
    throw new InvalidArgumentError(`invalid volume ${JSON.stringify(value)}: ${JSON.stringify(source)} is neither an absolute path nor a volume name`);
  }
  const volume: VolumeMountRequest = { type: 'volume', destination, readOnly: parsed.readOnly, options: parsed.options, noCopy: parsed.noCopy };
  if (source !== undefined) volume.name = source;
  return volume;
}

function isDestinationAndOptions(second: string, third: string | undefined): boolean {
  if (third !== undefined || second.startsWith('/')) return false;
  try {
    parseBindOptions(second, second);
    return true;
  } catch {
    return false;
  }
}

/**
 * A bind mount's source must exist when the container is created (podman's `statfs SRC`
 * check): otherwise runc fails only at start, leaving a container that can never run.
 */
export function checkBindSource(request: BindMountRequest): void {
  if (!existsSync(request.source)) {
    throw new NotFoundError(`bind mount source ${request.source}: no such file or directory`, { hint: `create it first, or use -v NAME:${request.destination} for a volume` });
  }
}

/** A named or anonymous volume, once the caller knows its directory on the host. */
export function bindNamedVolume(volume: VolumeMountRequest, hostPath: string): BindMountRequest {
  return { type: 'bind', source: hostPath, destination: volume.destination, readOnly: volume.readOnly, options: volume.options };
}

function parseBindOptions(text: string, value: string): { readOnly: boolean; options: string[]; noCopy: boolean } {
  let readOnly: boolean | undefined;
  let noCopy = false;
  let bindKind: string | undefined;
  let propagation: string | undefined;
  const flags: string[] = [];
  for (const option of text === '' ? [] : text.split(',')) {
    if (option === 'ro' || option === 'rw') {
      if (readOnly !== undefined) throw new InvalidArgumentError(`invalid volume ${JSON.stringify(value)}: ro or rw given more than once`);
      readOnly = option === 'ro';
    } else if (option === 'z' || option === 'Z') {
      // SELinux relabelling: nothing to do without SELinux labels.
    } else if (option === 'bind' || option === 'rbind') {
      bindKind = option;
    } else if (PROPAGATION.includes(option)) {
      if (propagation !== undefined) throw new InvalidArgumentError(`invalid volume ${JSON.stringify(value)}: more than one propagation mode`);
      propagation = option;
    } else if (BIND_FLAGS.includes(option)) {
      flags.push(option);
    } else if (option === 'copy' || option === 'nocopy') {
      noCopy = option === 'nocopy';
    } else {
      throw new InvalidArgumentError(`invalid option ${JSON.stringify(option)} in volume ${JSON.stringify(value)}`);
    }
  }
  return { readOnly: readOnly ?? false, noCopy, options: [bindKind ?? 'rbind', ...flags, propagation ?? 'rprivate'] };
}

/** podman's --tmpfs defaults; `tmpcopyup` (runc and crun extension) copies the image's files in. */
const TMPFS_DEFAULTS = ['rw', 'noexec', 'nosuid', 'nodev', 'tmpcopyup'];
const TMPFS_FLAGS = new Map<string, string>([
  ['ro', 'rw'],
  ['rw', 'ro'],
  ['exec', 'noexec'],
  ['noexec', 'exec'],
  ['suid', 'nosuid'],
  ['nosuid', 'suid'],
  ['dev', 'nodev'],
  ['nodev', 'dev'],
  ['atime', 'noatime'],
  ['noatime', 'atime'],
  ['diratime', 'nodiratime'],
  ['nodiratime', 'diratime'],
  ['relatime', 'norelatime'],
  ['norelatime', 'relatime'],
  ['strictatime', 'nostrictatime'],
  ['nostrictatime', 'strictatime'],
  ['sync', 'async'],
  ['async', 'sync'],
  ['tmpcopyup', 'notmpcopyup'],
  ['notmpcopyup', 'tmpcopyup'],
]);
const TMPFS_KEYS = ['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol', 'huge'];

/** `--tmpfs /run:size=64m,exec`: user options replace a default and its opposite. */
export function parseTmpfsFlag(value: string): TmpfsMountRequest {
  const colon = value.indexOf(':');
  const destination = containerPath(colon === -1 ? value : value.slice(0, colon), value);
  let options = [...TMPFS_DEFAULTS];
  for (const option of colon === -1 ? [] : value.slice(colon + 1).split(',')) {
    if (option === '') continue;
    const key = option.includes('=') ? option.slice(0, option.indexOf('=')) : undefined;
    if (key !== undefined && TMPFS_KEYS.includes(key)) {
      options = options.filter((o) => !o.startsWith(`${key}=`));
    } else if (TMPFS_FLAGS.has(option)) {
      const opposite = TMPFS_FLAGS.get(option);
      options = options.filter((o) => o !== option && o !== opposite);
    } else {
      throw new InvalidArgumentError(`invalid option ${JSON.stringify(option)} in tmpfs ${JSON.stringify(value)}`);
    }
    // notmpcopyup is a request, not a mount option: it only removes tmpcopyup.
    if (option !== 'notmpcopyup') options.push(option);
  }
  return { type: 'tmpfs', destination, options };
}

/** An absolute, normalised container path other than "/" itself. */
function containerPath(text: string, value: string): string {
  if (!text.startsWith('/')) throw new InvalidArgumentError(`invalid mount ${JSON.stringify(value)}: ${JSON.stringify(text)} is not an absolute path`);
  const normalized = posix.normalize(text).replace(/\/+$/, '');
  if (normalized === '') throw new InvalidArgumentError(`invalid mount ${JSON.stringify(value)}: cannot mount over /`);
  return normalized;
}

/** The runtime-spec mount for a request. */
export function toOciMount(request: MountRequest): Mount {
  if (request.type === 'tmpfs') {
    return { destination: request.destination, type: 'tmpfs', source: 'tmpfs', options: [...request.options] };
  }
  const [bindKind, ...rest] = request.options.length > 0 ? request.options : ['rbind', 'rprivate'];
  return {
    destination: request.destination,
    type: 'bind',
    source: request.source,
    options: [bindKind ?? 'rbind', request.readOnly ? 'ro' : 'rw', ...rest],
  };
}

/** Duplicate destinations are an error, as podman: which of the two would win is unclear. */
export function checkUniqueDestinations(requests: readonly MountRequest[]): void {
  const seen = new Set<string>();
  for (const request of requests) {
    if (seen.has(request.destination)) throw new InvalidArgumentError(`duplicate mount destination ${request.destination}`);
    seen.add(request.destination);
  }
}

/**
 * Defaults, then user mounts, where a user mount replaces a default at the same
 * destination (podman's SupersedeUserMounts: `-v /srv/hosts:/etc/hosts` wins over the
 * generated file), sorted so parents mount before children.
 */
export function combineMounts(defaults: readonly Mount[], user: readonly Mount[]): Mount[] {
  const taken = new Set(user.map((m) => m.destination));
  return sortMounts([...defaults.filter((m) => !taken.has(m.destination)), ...user]);
}

/**
 * Stable sort by path depth, as podman's sortMounts: /dev before /dev/shm, whatever order
 * they were given in, so a child is never hidden by its parent mounted after it.
 */
export function sortMounts(mounts: readonly Mount[]): Mount[] {
  return [...mounts].sort((a, b) => depth(a.destination) - depth(b.destination));
}

function depth(path: string): number {
  return posix.normalize(path).replace(/\/+$/, '').split('/').length;
}
