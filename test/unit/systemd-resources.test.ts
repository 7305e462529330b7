// Container limits as scope properties: one case per edge (systemd.resource-control(5)).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuQuotaProperties, cpuSharesProperties, memoryProperties, pidsProperties, resourceProperties, swapProperties, UINT64_MAX } from '../../src/systemd/resources.js';
import type { UnitProperty } from '../../src/systemd/properties.js';

const plain = (props: UnitProperty[]): Array<[string, string, unknown]> => props.map(([name, variant]) => [name, variant.signature, variant.value]);

describe('scope resource properties', () => {
  it('--memory is MemoryMax on cgroup v2 and MemoryLimit on v1/hybrid, as uint64', () => {
    assert.deepEqual(plain(memoryProperties({ memory: 64 * 1024 * 1024 }, true)), [['MemoryMax', 't', 67108864n]]);
    assert.deepEqual(plain(memoryProperties({ memory: 64 * 1024 * 1024 }, false)), [['MemoryLimit', 't', 67108864n]]);
  });
  it('no or non-positive memory sets nothing', () => {
    assert.deepEqual(memoryProperties({}, true), []);
    assert.deepEqual(memoryProperties({ memory: 0 }, true), []);
  });
  it('--memory-swap is memory+swap: MemorySwapMax gets the difference, -1 is infinity, v1 gets none', () => {
    assert.deepEqual(plain(swapProperties({ memory: 100, memorySwap: 300 }, true)), [['MemorySwapMax', 't', 200n]]);
    assert.deepEqual(plain(swapProperties({ memorySwap: -1 }, true)), [['MemorySwapMax', 't', UINT64_MAX]]);
    assert.deepEqual(swapProperties({ memory: 100, memorySwap: 300 }, false), []);
  });
  it('--cpus 1.5 is a quota of 1.5 s per second', () => {
    assert.deepEqual(plain(cpuQuotaProperties({ cpuQuota: 150_000, cpuPeriod: 100_000 })), [['CPUQuotaPerSecUSec', 't', 1_500_000n]]);
    assert.deepEqual(plain(cpuQuotaProperties({ cpuQuota: 50_000 })), [['CPUQuotaPerSecUSec', 't', 500_000n]]);
  });
  it('--cpu-shares is CPUShares on v1 and a CPUWeight on v2 (2→1, 1024→39, 262144→10000)', () => {
    assert.deepEqual(plain(cpuSharesProperties({ cpuShares: 512 }, false)), [['CPUShares', 't', 512n]]);
    assert.deepEqual(plain(cpuSharesProperties({ cpuShares: 2 }, true)), [['CPUWeight', 't', 1n]]);
    assert.deepEqual(plain(cpuSharesProperties({ cpuShares: 1024 }, true)), [['CPUWeight', 't', 39n]]);
    assert.deepEqual(plain(cpuSharesProperties({ cpuShares: 262144 }, true)), [['CPUWeight', 't', 10000n]]);
  });
  it('--pids-limit: positive is TasksMax, 0 and -1 are infinity (podman), unset is nothing', () => {
    assert.deepEqual(plain(pidsProperties({ pidsLimit: 10 })), [['TasksMax', 't', 10n]]);
    assert.deepEqual(plain(pidsProperties({ pidsLimit: 0 })), [['TasksMax', 't', UINT64_MAX]]);
    assert.deepEqual(plain(pidsProperties({ pidsLimit: -1 })), [['TasksMax', 't', UINT64_MAX]]);
    assert.deepEqual(pidsProperties({}), []);
  });
  it('combines them in a fixed order', () => {
    const names = resourceProperties({ memory: 1, cpuQuota: 1, cpuShares: 2, pidsLimit: 5 }, false).map(([name]) => name);
    assert.deepEqual(names, ['MemoryLimit', 'CPUQuotaPerSecUSec', 'CPUShares', 'TasksMax']);
    assert.deepEqual(resourceProperties(undefined, true), []);
  });
});
