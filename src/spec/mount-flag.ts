/**
 * `--mount type=…,KEY=VALUE,…` (docker's and podman's long form of `-v` and `--tmpfs`):
 *   type=bind    source=/host/path (absolute, required), readonly, bind-propagation=MODE,
 *                bind-nonrecursive;
 *   type=volume  source=NAME (none: an anonymous volume), readonly, volume-nocopy;
 *   type=tmpfs   tmpfs-size=BYTES|SIZE, tmpfs-mode=OCTAL, notmpcopyup;
 * with destination=/path (dst, target) always required; type defaults to volume, as
 * docker's. Keys may be spelt src, dst, target, ro; `readonly=false` is accepted.
 * The results are the same requests `-v` and `--tmpfs` make, so everything after the
 * parse (checks, volumes, the spec) is theirs.
 */
import { InvalidArgumentError } from '../errors.js';
import { parseTmpfsFlag, parseVolumeFlag, type VolumeMountRequest } from './mounts.js';
import type { BindMountRequest, TmpfsMountRequest } from './options.js';

type Fields = Map<string, string | undefined>;

const ALIASES = new Map([
  ['src', 'source'],
  ['dst', 'destination'],
  ['target', 'destination'],
  ['ro', 'readonly'],
  ['nocopy', 'volume-nocopy'],
]);

/** Keys each type takes, besides type and destination. */
const KEYS: Record<string, readonly string[]> = {
  bind: ['source', 'readonly', 'bind-propagation', 'bind-nonrecursive', 'relabel', 'consistency'],
  volume: ['source', 'readonly', 'volume-nocopy', 'relabel', 'consistency'],
  tmpfs: ['tmpfs-size', 'tmpfs-mode', 'notmpcopyup', 'tmpcopyup', 'readonly'],
};

export function parseMountFlag(value: string): BindMountRequest | VolumeMountRequest | TmpfsMountRequest {
  const fields = parseFields(value);
  const type = fields.get('type') ?? 'volume';
  fields.delete('type');
  const allowed = KEYS[type];
  if (!allowed) throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: type ${JSON.stringify(type)} is not supported (bind, volume or tmpfs)`);
  const destination = fields.get('destination');
  if (!destination) throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: destination (dst, target) is required`);
  fields.delete('destination');
  for (const key of fields.keys()) {
    if (!allowed.includes(key)) throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: ${key} does not apply to type=${type}`);
  }
  const readOnly = flagValue(fields, 'readonly', value);
  if (type === 'tmpfs') return tmpfsRequest(fields, destination, readOnly, value);
  const source = fields.get('source');
  if (type === 'bind' && !source?.startsWith('/')) {
    throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: a bind mount needs source=/absolute/host/path`);
  }
  if (type === 'volume' && source?.startsWith('/')) {
    throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: a volume's source is a volume name; use type=bind for a host path`);
  }
  // The rest is -v's grammar: the same checks, the same defaults.
  const options = [readOnly ? 'ro' : 'rw'];
  if (type === 'bind') {
    options.push(flagValue(fields, 'bind-nonrecursive', value) ? 'bind' : 'rbind');
    const propagation = fields.get('bind-propagation');
    if (propagation) options.push(propagation);
  } else if (flagValue(fields, 'volume-nocopy', value)) options.push('nocopy');
  return parseVolumeFlag(`${source ? `${source}:` : ''}${destination}:${options.join(',')}`);
}

function tmpfsRequest(fields: Fields, destination: string, readOnly: boolean, value: string): TmpfsMountRequest {
  const options: string[] = [];
  if (readOnly) options.push('ro');
  const size = fields.get('tmpfs-size');
  if (size !== undefined) {
    if (!/^\d+[kmg]?$/i.test(size)) throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: tmpfs-size ${JSON.stringify(size)} is not a size`);
    options.push(`size=${size}`);
  }
  const mode = fields.get('tmpfs-mode');
  if (mode !== undefined) {
    if (!/^[0-7]{1,4}$/.test(mode)) throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: tmpfs-mode ${JSON.stringify(mode)} is not an octal mode`);
    options.push(`mode=${mode}`);
  }
  if (fields.has('notmpcopyup')) options.push('notmpcopyup');
  return parseTmpfsFlag(`${destination}${options.length ? `:${options.join(',')}` : ''}`);
}

function parseFields(value: string): Fields {
  const fields: Fields = new Map();
  for (const part of value.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const key = ALIASES.get(rawKey) ?? rawKey;
    if (fields.has(key)) throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: ${key} given more than once`);
    fields.set(key, eq === -1 ? undefined : part.slice(eq + 1));
  }
  return fields;
}

/** A flag key: present alone or `=true` is on, `=false` off. */
function flagValue(fields: Fields, key: string, value: string): boolean {
  if (!fields.has(key)) return false;
  const text = fields.get(key);
  if (text === undefined || text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new InvalidArgumentError(`invalid --mount ${JSON.stringify(value)}: ${key}=${text} is neither true nor false`);
}
