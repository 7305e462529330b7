import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageConfig } from '../../src/oci/types.js';
import { buildRuntimeSpec } from '../../src/spec/build.js';
import { serializeSpec } from '../../src/spec/bundle.js';
import { DEFAULT_CAPABILITIES } from '../../src/spec/capabilities.js';
import { defaultSpecOptions } from '../../src/spec/options.js';
import { defaultSeccompProfile, deniesOutright, SECCOMP_ARCHITECTURES } from '../../src/spec/seccomp.js';
import type { LinuxSeccomp } from '../../src/spec/types.js';

/**
 * What the filter answers for `name(arg0)`, evaluated the way libseccomp does for these
 * rules: conditions in a rule are ANDed, rules are ORed, no match means the default.
 */
function verdict(profile: LinuxSeccomp, name: string, arg0 = 0): string {
  for (const rule of profile.syscalls ?? []) {
    if (!rule.names.includes(name)) continue;
    const matches = (rule.args ?? []).every((arg) => {
      assert.equal(arg.index, 0);
      assert.equal(arg.op, 'SCMP_CMP_MASKED_EQ');
      return Number(BigInt(arg0) & BigInt(arg.value)) === arg.valueTwo;
    });
    if (matches) return `${rule.action}:${rule.errnoRet}`;
  }
  return profile.defaultAction;
}

const EPERM = 'SCMP_ACT_ERRNO:1';
const ALLOW = 'SCMP_ACT_ALLOW';
const profile = defaultSeccompProfile(DEFAULT_CAPABILITIES);

describe('default seccomp profile', () => {
  it('is allow-by-default over the five architectures and valid runtime-spec JSON', () => {
    assert.equal(profile.defaultAction, 'SCMP_ACT_ALLOW');
    assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.deepEqual(SECCOMP_ARCHITECTURES, profile.architectures);
    const parsed = JSON.parse(JSON.stringify(profile)) as LinuxSeccomp;
    for (const rule of parsed.syscalls ?? []) {
      assert.ok(rule.names.length > 0 && rule.names.every((n) => /^[a-z_0-9]+$/.test(n)), JSON.stringify(rule));
      assert.equal(rule.action, 'SCMP_ACT_ERRNO');
      assert.ok(rule.errnoRet === 1 || rule.errnoRet === 38);
      for (const arg of rule.args ?? []) assert.ok(Number.isInteger(arg.value) && arg.value > 0 && arg.value < 2 ** 32);
    }
  });
  it('denies host-wide and dangerous syscalls with EPERM', () => {
    for (const name of ['kexec_load', 'init_module', 'finit_module', 'delete_module', 'reboot', 'swapon', 'mount', 'umount2', 'pivot_root',
      'acct', 'settimeofday', 'clock_settime', 'adjtimex', 'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'userfaultfd',
      'open_by_handle_at', 'iopl', 'ioperm', 'quotactl', 'syslog', 'vhangup', 'ptrace', 'process_vm_readv', 'setns', 'fsopen',
      'mbind', 'set_mempolicy', 'move_pages', 'kcmp', 'vm86', 'nfsservctl', '_sysctl', 'fanotify_init', 'lookup_dcookie']) {
      assert.equal(verdict(profile, name), EPERM, name);
    }
  });
  it('allows ordinary syscalls', () => {
    for (const name of ['read', 'openat', 'execve', 'setuid', 'capset', 'chroot', 'socket', 'get_mempolicy']) assert.equal(verdict(profile, name), ALLOW, name);
  });
  it('lets a capability lift its syscalls: --cap-add SYS_ADMIN allows mount', () => {
    const admin = defaultSeccompProfile([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
    assert.equal(verdict(admin, 'mount'), ALLOW);
    assert.equal(verdict(admin, 'unshare', 0x10000000), ALLOW);
    assert.equal(verdict(admin, 'clone3'), ALLOW);
    assert.equal(verdict(admin, 'kexec_load'), EPERM);
    assert.ok(!deniesOutright(admin, 'mount') && deniesOutright(profile, 'mount'));
    assert.equal(verdict(defaultSeccompProfile(['CAP_SYS_PTRACE']), 'ptrace'), ALLOW);
    assert.equal(verdict(defaultSeccompProfile(['CAP_SYS_NICE']), 'mbind'), ALLOW);
    assert.equal(verdict(defaultSeccompProfile(['CAP_BPF']), 'bpf'), ALLOW);
    assert.equal(verdict(defaultSeccompProfile(['CAP_SYS_ADMIN']), 'keyctl'), EPERM, 'keyrings are never namespaced');
  });
  it('builds the profile from the final capability set', () => {
    const options = { ...defaultSpecOptions(), capAdd: ['sys_admin'] };
    const image: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [] } };
    const context = {
      rootfs: '/r',
      initFiles: { hostname: '/h', hosts: '/hs', resolvConf: '/rc' },
      user: { uid: 0, gid: 0, additionalGids: [] },
      host: { lastCapability: 40, cgroupNamespace: false },
    };
    const spec = buildRuntimeSpec(image, options, context);
    assert.equal(verdict(spec.linux.seccomp as LinuxSeccomp, 'mount'), ALLOW);
    const plain = buildRuntimeSpec(image, defaultSpecOptions(), context);
    assert.equal(verdict(plain.linux.seccomp as LinuxSeccomp, 'mount'), EPERM);
    assert.doesNotThrow(() => JSON.parse(serializeSpec(plain)));
  });
  it('denies clone and unshare with namespace flags, allows threads and forks', () => {
    const threadFlags = 0x3d0f00; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
    assert.equal(verdict(profile, 'clone', threadFlags), ALLOW);
    assert.equal(verdict(profile, 'clone', 0x01200011), ALLOW, 'fork: CHILD_SETTID|CHILD_CLEARTID|SIGCHLD');
    for (const flag of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]) {
      assert.equal(verdict(profile, 'clone', flag | 0x11), EPERM, flag.toString(16));
      assert.equal(verdict(profile, 'unshare', flag), EPERM, flag.toString(16));
    }
    assert.equal(verdict(profile, 'unshare', 0x80), EPERM, 'CLONE_NEWTIME');
    assert.equal(verdict(profile, 'clone', 0x11), ALLOW, 'exit signal bits overlap CLONE_NEWTIME in clone');
    assert.equal(verdict(profile, 'unshare', 0x00000400), ALLOW, 'CLONE_FILES');
    assert.equal(verdict(profile, 'clone3'), 'SCMP_ACT_ERRNO:38');
  });
  it('restricts personality to harmless values and the query', () => {
    for (const value of [0, 0x8, 0x20000, 0x20008, 0xffffffff, 0x0800000]) assert.equal(verdict(profile, 'personality', value), ALLOW, value.toString(16));
    for (const value of [0x0040000, 0x0400000, 0x0100000, 0x0040008, 0x80040000, 0xfffbffff & 0x0440000, 0xfffffffe]) {
      assert.equal(verdict(profile, 'personality', value), EPERM, value.toString(16));
    }
  });
});
