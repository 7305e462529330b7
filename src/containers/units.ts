/** Podman's size and CPU notations: `64m`, `1.5g`, `--cpus 0.5`. */
import { InvalidArgumentError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** `--memory 64m` → bytes (binary units, as docker's RAMInBytes). */
export function parseBytes(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const factor = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) throw new InvalidArgumentError(`invalid size for ${flag}: "${value}" (use a number with b, k, m or g)`);
  return Math.floor(Number(match[1]) * factor);
}

/** `--cpus 1.5` → a CFS quota of 150000 µs per 100000 µs period. */
export function parseCpus(value: string): { cpuQuota: number; cpuPeriod: number } {
  const cpus = Number(value);
  if (!Number.isFinite(cpus) || cpus <= 0) throw new InvalidArgumentError(`invalid --cpus "${value}": must be a positive number`);
  return { cpuQuota: Math.round(cpus * 100_000), cpuPeriod: 100_000 };
}
