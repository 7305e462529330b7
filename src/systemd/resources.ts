/**
 * Container resource limits as scope unit properties, one small pure function per
 * resource (youki's systemd manager habit). systemd then owns and enforces them on the
 * container's cgroup; runc writes the same values from the spec, so a limit holds even
 * where systemd cannot map a property on this cgroup layout.
 *
 * systemd's "infinity" for uint64 properties is UINT64_MAX (systemd.resource-control(5)).
 */
import type { ResourceRequest } from '../spec/options.js';
import { uint64Property, type UnitProperty } from './properties.js';

export const UINT64_MAX = 2n ** 64n - 1n;
const DEFAULT_CPU_PERIOD_US = 100_000;

/** `--memory`: MemoryMax (v2) and MemoryLimit (the v1 / hybrid name of the same limit). */
export function memoryProperties(resources: ResourceRequest, unified: boolean): UnitProperty[] {
  if (resources.memory === undefined || resources.memory <= 0) return [];
  const bytes = BigInt(resources.memory);
  return unified ? [uint64Property('MemoryMax', bytes)] : [uint64Property('MemoryLimit', bytes)];
}

/** `--memory-swap` is memory+swap; systemd's MemorySwapMax is swap alone, v2 only. */
export function swapProperties(resources: ResourceRequest, unified: boolean): UnitProperty[] {
  if (!unified || resources.memorySwap === undefined) return [];
  if (resources.memorySwap < 0) return [uint64Property('MemorySwapMax', UINT64_MAX)];
  const swap = resources.memorySwap - (resources.memory ?? 0);
  return swap >= 0 ? [uint64Property('MemorySwapMax', BigInt(swap))] : [];
}

/** `--cpus`/`--cpu-quota`: CPUQuotaPerSecUSec = quota scaled to a one-second period. */
export function cpuQuotaProperties(resources: ResourceRequest): UnitProperty[] {
  if (resources.cpuQuota === undefined || resources.cpuQuota <= 0) return [];
  const period = resources.cpuPeriod ?? DEFAULT_CPU_PERIOD_US;
  const perSecond = BigInt(Math.ceil((resources.cpuQuota * 1_000_000) / period));
  return [uint64Property('CPUQuotaPerSecUSec', perSecond)];
}

/** `--cpu-shares`: CPUShares on v1; CPUWeight on v2, mapped as runc maps shares to weight. */
export function cpuSharesProperties(resources: ResourceRequest, unified: boolean): UnitProperty[] {
  if (resources.cpuShares === undefined || resources.cpuShares <= 0) return [];
  if (!unified) return [uint64Property('CPUShares', BigInt(resources.cpuShares))];
  const weight = 1 + Math.floor(((Math.min(Math.max(resources.cpuShares, 2), 262144) - 2) * 9999) / 262142);
  return [uint64Property('CPUWeight', BigInt(weight))];
}

/** `--pids-limit`: a positive limit is TasksMax; 0 or -1 is unlimited, as podman. */
export function pidsProperties(resources: ResourceRequest): UnitProperty[] {
  if (resources.pidsLimit === undefined) return [];
  return [uint64Property('TasksMax', resources.pidsLimit > 0 ? BigInt(resources.pidsLimit) : UINT64_MAX)];
}

export function resourceProperties(resources: ResourceRequest | undefined, unified: boolean): UnitProperty[] {
  if (!resources) return [];
  return [
    ...memoryProperties(resources, unified),
    ...swapProperties(resources, unified),
    ...cpuQuotaProperties(resources),
    ...cpuSharesProperties(resources, unified),
    ...pidsProperties(resources),
  ];
}
