/**
 * linux.resources memory, cpu and pids from `--memory`, `--memory-swap`,
 * `--memory-reservation`, `--cpu-quota`, `--cpu-period`, `--cpu-shares`, `--pids-limit`.
 *
 * tpod's systemd scope carries the same limits as unit properties; writing them here too
 * means the runtime enforces them when the bundle is run on its own (`runc run`), and a
 * v1 host's controllers get them whatever systemd does. Values are the runtime-spec's:
 * bytes, microseconds, and -1 for unlimited.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ResourceRequest } from './options.js';
import type { LinuxCPU, LinuxMemory, LinuxResources } from './types.js';

/** The kernel refuses smaller limits in practice; podman's linuxMinMemory. */
export const MIN_MEMORY = 6 * 1024 * 1024;

export function linuxResources(request: ResourceRequest | undefined): LinuxResources {
  const resources: LinuxResources = {};
  if (!request) return resources;
  const memory = memoryResources(request);
  if (memory) resources.memory = memory;
  const cpu = cpuResources(request);
  if (cpu) resources.cpu = cpu;
  if (request.pidsLimit !== undefined) {
    checkInteger(request.pidsLimit, '--pids-limit', -1);
    // podman: 0 and -1 both mean "no limit"; the spec says it with -1.
    resources.pids = { limit: request.pidsLimit <= 0 ? -1 : request.pidsLimit };
  }
  return resources;
}

function memoryResources(request: ResourceRequest): LinuxMemory | undefined {
  const memory: LinuxMemory = {};
  if (request.memory !== undefined) {
    checkInteger(request.memory, '--memory', 0);
    if (request.memory < MIN_MEMORY) throw new InvalidArgumentError(`invalid --memory ${request.memory}: the minimum is 6MB`);
    memory.limit = request.memory;
  }
  if (request.memorySwap !== undefined) {
    checkInteger(request.memorySwap, '--memory-swap', -1);
    if (request.memory === undefined) throw new InvalidArgumentError('--memory-swap needs --memory');
    if (request.memorySwap !== -1 && request.memorySwap < request.memory) {
      throw new InvalidArgumentError(`invalid --memory-swap ${request.memorySwap}: it must be at least --memory ${request.memory}`);
    }
    memory.swap = request.memorySwap;
  }
  if (request.memoryReservation !== undefined) {
    checkInteger(request.memoryReservation, '--memory-reservation', 0);
    memory.reservation = request.memoryReservation;
  }
  return Object.keys(memory).length > 0 ? memory : undefined;
}

function cpuResources(request: ResourceRequest): LinuxCPU | undefined {
  const cpu: LinuxCPU = {};
  if (request.cpuShares !== undefined) {
    checkInteger(request.cpuShares, '--cpu-shares', 0);
    cpu.shares = request.cpuShares;
  }
  if (request.cpuQuota !== undefined) {
    checkInteger(request.cpuQuota, '--cpu-quota', -1);
    cpu.quota = request.cpuQuota;
  }
  if (request.cpuPeriod !== undefined) {
    checkInteger(request.cpuPeriod, '--cpu-period', 0);
    cpu.period = request.cpuPeriod;
  }
  return Object.keys(cpu).length > 0 ? cpu : undefined;
}

function checkInteger(value: number, flag: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`invalid ${flag} ${value}: expected an integer of at least ${min}`);
  }
}
