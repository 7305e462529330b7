import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  allCapabilities,
  CAPABILITY_NAMES,
  DEFAULT_CAPABILITIES,
  effectiveCapabilityList,
  normalizeCapability,
  parseBoundingSet,
  processCapabilities,
} from '../../src/spec/capabilities.js';

const LAST_CAP = 40;
const request = (capAdd: string[] = [], capDrop: string[] = [], privileged = false) => ({ capAdd, capDrop, privileged });

describe('capabilities', () => {
  it('defaults to podman\'s eleven', () => {
    assert.deepEqual(effectiveCapabilityList(request(), LAST_CAP), DEFAULT_CAPABILITIES);
    assert.equal(DEFAULT_CAPABILITIES.length, 11);
    assert.ok(!DEFAULT_CAPABILITIES.includes('CAP_NET_RAW') && !DEFAULT_CAPABILITIES.includes('CAP_MKNOD'));
  });
  it('normalises names with or without CAP_, any case', () => {
    assert.equal(normalizeCapability('net_admin'), 'CAP_NET_ADMIN');
    assert.equal(normalizeCapability('CAP_SYS_ADMIN'), 'CAP_SYS_ADMIN');
    assert.equal(normalizeCapability('Sys_Ptrace'), 'CAP_SYS_PTRACE');
    assert.equal(normalizeCapability('all'), 'ALL');
    assert.throws(() => normalizeCapability('FLY'), (err: unknown) => err instanceof InvalidArgumentError && err.message === 'unknown capability "FLY"');
  });
  it('adds and drops', () => {
    const caps = effectiveCapabilityList(request(['net_raw', 'CAP_SYS_ADMIN'], ['chown', 'KILL']), LAST_CAP);
    assert.ok(caps.includes('CAP_NET_RAW') && caps.includes('CAP_SYS_ADMIN'));
    assert.ok(!caps.includes('CAP_CHOWN') && !caps.includes('CAP_KILL'));
    assert.equal(caps.length, 11);
  });
  it('drop ALL keeps only the added ones', () => {
    assert.deepEqual(effectiveCapabilityList(request([], ['ALL']), LAST_CAP), []);
    assert.deepEqual(effectiveCapabilityList(request(['chown', 'chown'], ['all']), LAST_CAP), ['CAP_CHOWN']);
  });
  it('add ALL gives every capability minus the dropped', () => {
    const caps = effectiveCapabilityList(request(['ALL'], ['SYS_ADMIN']), LAST_CAP);
    assert.equal(caps.length, 40);
    assert.ok(!caps.includes('CAP_SYS_ADMIN'));
  });
  it('refuses contradictions', () => {
    assert.throws(() => effectiveCapabilityList(request(['ALL'], ['ALL']), LAST_CAP), InvalidArgumentError);
    assert.throws(() => effectiveCapabilityList(request(['CHOWN'], ['cap_chown']), LAST_CAP), /CAP_CHOWN cannot be both added and dropped/);
  });
  it('--privileged gives every capability the kernel has', () => {
    assert.deepEqual(effectiveCapabilityList(request([], ['ALL'], true), LAST_CAP), [...CAPABILITY_NAMES]);
    assert.deepEqual(effectiveCapabilityList(request([], [], true), 37), CAPABILITY_NAMES.slice(0, 38));
    assert.equal(allCapabilities(99).length, CAPABILITY_NAMES.length);
  });
  it('--privileged and --cap-add ALL stop at the bounding set tpod runs with (CapBnd)', () => {
    // A sandbox without CAP_SYS_RESOURCE (bit 24): runc cannot grant it, so it is not asked for.
    const bounding = parseBoundingSet('Name:\tnode\nCapBnd:\t000001fffeffffff\n');
    assert.equal(bounding?.length, 40);
    assert.ok(!bounding?.includes('CAP_SYS_RESOURCE'));
    const privileged = effectiveCapabilityList(request([], [], true), LAST_CAP, bounding);
    assert.deepEqual(privileged, CAPABILITY_NAMES.filter((cap) => cap !== 'CAP_SYS_RESOURCE'));
    assert.ok(!effectiveCapabilityList(request(['ALL']), LAST_CAP, bounding).includes('CAP_SYS_RESOURCE'));
    assert.equal(parseBoundingSet('Name:\tnode\n'), undefined);
  });
  it('fills bounding, effective and permitted; inheritable and ambient stay empty', () => {
    const sets = processCapabilities(['CAP_CHOWN']);
    assert.deepEqual(sets, { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'], inheritable: [], ambient: [] });
  });
});
