/**
 * An OCI bundle (runtime-spec bundle.md) is a directory with config.json; tpod's root.path
 * is absolute, pointing at the container's rootfs mount elsewhere, so the directory holds
 * nothing else and `runc run --bundle DIR` works on it without tpod.
 *
 * config.json is written to a temporary name and renamed over the old one: a tpod killed
 * meanwhile leaves the old file or the new one, never a torn one. It is not fsynced (two
 * flushes of every start, ~5 ms): every start writes the bundle again from SQLite, so
 * after a power loss the next start replaces whatever the disk kept.
 */
import { randomBytes } from '../random.js';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { RuntimeSpec } from './types.js';

export const CONFIG_FILE = 'config.json';

/** Writes DIR/config.json; returns its path. */
export async function writeBundle(dir: string, spec: RuntimeSpec): Promise<string> {
  if (!isAbsolute(spec.root.path)) throw new InvalidArgumentError(`bundle root path ${spec.root.path} is not absolute`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, CONFIG_FILE);
  const temp = join(dir, `.${CONFIG_FILE}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(`${serializeSpec(spec)}\n`);
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return path;
}

/**
 * JSON.stringify, except that bigints (RLIM_INFINITY in rlimits) are written as exact
 * integer literals: as a Number, 2^64-1 would print as 18446744073709552000, which Go's
 * encoding/json refuses for a uint64 and runc with it.
 */
export function serializeSpec(spec: RuntimeSpec, indent = 2): string {
  return toJson(spec, '', ' '.repeat(indent));
}

function toJson(value: unknown, current: string, step: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = current + step;
  const open = step === '' ? '' : `\n${inner}`;
  const close = step === '' ? '' : `\n${current}`;
  const colon = step === '' ? ':' : ': ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${open}${value.map((item) => toJson(item === undefined ? null : item, inner, step)).join(`,${open}`)}${close}]`;
  }
  const fields = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (fields.length === 0) return '{}';
  return `{${open}${fields.map(([k, v]) => `${JSON.stringify(k)}${colon}${toJson(v, inner, step)}`).join(`,${open}`)}${close}}`;
}
