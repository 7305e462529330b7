/**
 * tpod's default seccomp profile (linux.seccomp), written for tpod.
 *
 * Why allow-by-default. Docker's and podman's profiles deny every syscall (EPERM) and
 * allow a hand-kept list of about 350 ordinary ones. That is the stricter design, but the
 * list must track every kernel release and libc: a syscall missing from it breaks programs
 * in ways that look like bugs elsewhere (glibc's clone3, faccessat2, statx all went through
 * this). tpod takes the inverse, which is short enough to review line by line: every
 * syscall is allowed (SCMP_ACT_ALLOW) except the ones below, which fail with EPERM.
 *
 * What it means. The profile is a second fence behind capabilities, not the only one: a
 * container without CAP_SYS_ADMIN cannot mount whether or not seccomp says so. The listed
 * syscalls are those that either act on the whole host with no namespace around them
 * (kernel modules, kexec, reboot, the clock, swap, accounting, keyrings), have a history of
 * kernel exploits reachable without privileges (bpf, perf_event_open, userfaultfd,
 * open_by_handle_at, new namespaces including user namespaces), or are obsolete. A syscall
 * that a capability legitimately unlocks is left allowed when the container has that
 * capability (`--cap-add SYS_ADMIN` makes mount work), so the profile follows the
 * capability set it is generated for. A syscall added to a future kernel is allowed until
 * listed here; that is the price of the inverse, and why the list errs on the wide side.
 *
 * Arguments. Seccomp sees registers, not memory, so only flag arguments can be checked.
 * clone(2) and unshare(2) are denied when any CLONE_NEW* flag is set: one rule per flag,
 * `(flags & FLAG) == FLAG`, because rules for one syscall are ORed and runc splits several
 * conditions on one argument into separate rules. clone3(2) passes its flags in memory, so
 * it fails with ENOSYS instead, which makes glibc fall back to clone(2) where the flags
 * are visible. personality(2) may not turn on ADDR_NO_RANDOMIZE (ASLR off),
 * READ_IMPLIES_EXEC or MMAP_PAGE_ZERO, except in the 0xffffffff query.
 *
 * `--security-opt seccomp=unconfined` and `--privileged` write no profile at all.
 */
import type { LinuxSeccomp, LinuxSyscall, SeccompArch } from './types.js';

export const SECCOMP_ARCHITECTURES: SeccompArch[] = [
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_ARM',
];

const EPERM = 1;
const ENOSYS = 38;

interface DenyGroup {
  names: string[];
  /** Allowed again when the container holds any of these capabilities. */
  unlessCapability?: string[];
}

/** The syscalls denied outright (unless a capability lifts them), grouped by what they do. */
const DENIED: DenyGroup[] = [
  // Loading and removing kernel code.
  {
    names: ['init_module', 'finit_module', 'delete_module', 'create_module', 'query_module', 'get_kernel_syms'],
    unlessCapability: ['CAP_SYS_MODULE'],
  },
  // Rebooting or replacing the running kernel.
  { names: ['reboot', 'kexec_load', 'kexec_file_load'], unlessCapability: ['CAP_SYS_BOOT'] },
  // Mounting, in both the classic and the new (5.2+) mount API, and swap and quotas.
  {
    names: [
      'mount',
      'umount',
      'umount2',
      'pivot_root',
      'open_tree',
      'move_mount',
      'fsopen',
      'fsconfig',
      'fsmount',
      'fspick',
      'mount_setattr',
      'swapon',
      'swapoff',
      'quotactl',
      'quotactl_fd',
    ],
    unlessCapability: ['CAP_SYS_ADMIN'],
  },
  // Joining other namespaces; system-wide tracing of file and profiling events.
  { names: ['setns', 'lookup_dcookie', 'fanotify_init'], unlessCapability: ['CAP_SYS_ADMIN'] },
  // eBPF and perf: large kernel attack surface, and both can observe the whole host.
  { names: ['bpf'], unlessCapability: ['CAP_SYS_ADMIN', 'CAP_BPF'] },
  { names: ['perf_event_open'], unlessCapability: ['CAP_SYS_ADMIN', 'CAP_PERFMON'] },
  // The clock is not namespaced: setting it changes the host's time.
  {
    names: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64', 'adjtimex'],
    unlessCapability: ['CAP_SYS_TIME'],
  },
  { names: ['acct'], unlessCapability: ['CAP_SYS_PACCT'] },
  // Keyrings are not namespaced: a container could read or fill the host's keys.
  { names: ['keyctl', 'add_key', 'request_key'] },
  // Direct port I/O.
  { names: ['iopl', 'ioperm'], unlessCapability: ['CAP_SYS_RAWIO'] },
  // Looking into or changing other processes.
  {
    names: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'pidfd_getfd', 'kcmp', 'userfaultfd'],
    unlessCapability: ['CAP_SYS_PTRACE'],
  },
  // The kernel log belongs to the host.
  { names: ['syslog'], unlessCapability: ['CAP_SYSLOG'] },
  { names: ['vhangup'], unlessCapability: ['CAP_SYS_TTY_CONFIG'] },
  // File handles bypass path lookup and so the container's root ("shocker", 2014).
  { names: ['open_by_handle_at', 'name_to_handle_at'], unlessCapability: ['CAP_DAC_READ_SEARCH'] },
  // NUMA placement of memory, which can move other processes' pages.
  { names: ['mbind', 'set_mempolicy', 'move_pages', 'migrate_pages'], unlessCapability: ['CAP_SYS_NICE'] },
  // Obsolete or removed from current kernels.
  { names: ['nfsservctl', 'uselib', '_sysctl', 'vm86', 'vm86old'] },
];

/** include/uapi/linux/sched.h. CLONE_NEWTIME (0x80) shares clone(2)'s exit-signal bits. */
const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
const CLONE_NEWTIME = 0x00000080;
const CLONE_NAMESPACE_FLAGS = [CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET];

/** include/uapi/linux/personality.h: the flags that weaken a process's own hardening. */
const ADDR_NO_RANDOMIZE = 0x0040000;
const MMAP_PAGE_ZERO = 0x0100000;
const READ_IMPLIES_EXEC = 0x0400000;

/** The profile for a container holding `capabilities` (names with CAP_). */
export function defaultSeccompProfile(capabilities: readonly string[]): LinuxSeccomp {
  const held = new Set(capabilities);
  const syscalls: LinuxSyscall[] = [];
  for (const group of DENIED) {
    if (group.unlessCapability?.some((cap) => held.has(cap))) continue;
    syscalls.push({ names: [...group.names], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM });
  }
  if (!held.has('CAP_SYS_ADMIN')) syscalls.push(...namespaceRules());
  syscalls.push(...personalityRules());
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: [...SECCOMP_ARCHITECTURES], syscalls };
}

/** EPERM when a flag bit is set: `(arg & flag) == flag`. */
function denyWhenFlagSet(name: string, flag: number): LinuxSyscall {
  return {
    names: [name],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: EPERM,
    args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
  };
}

/** New namespaces, user namespaces included, need CAP_SYS_ADMIN as they do for root. */
function namespaceRules(): LinuxSyscall[] {
  return [
    ...CLONE_NAMESPACE_FLAGS.map((flag) => denyWhenFlagSet('clone', flag)),
    ...[...CLONE_NAMESPACE_FLAGS, CLONE_NEWTIME].map((flag) => denyWhenFlagSet('unshare', flag)),
    // Flags in memory cannot be checked: ENOSYS makes libc retry with clone(2).
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
  ];
}

/**
 * Deny setting a hardening-weakening flag unless the value is the query 0xffffffff. "flag
 * set and value not all ones" is "flag set and some other bit clear": one single-condition
 * rule per (flag, other bit) pair, `(arg & (flag|bit)) == flag`. The kernel reads only the
 * low 32 bits (the argument is an unsigned int), so only those are checked.
 */
function personalityRules(): LinuxSyscall[] {
  const rules: LinuxSyscall[] = [];
  for (const flag of [ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO, READ_IMPLIES_EXEC]) {
    for (let bit = 0; bit < 32; bit++) {
      const other = 2 ** bit;
      if (other === flag) continue;
      rules.push({
        names: ['personality'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: EPERM,
        args: [{ index: 0, value: flag + other, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
      });
    }
  }
  return rules;
}

/** For tests and docs: whether a (flag-less) syscall is denied outright by a profile. */
export function deniesOutright(profile: LinuxSeccomp, name: string): boolean {
  return (profile.syscalls ?? []).some((rule) => rule.action !== 'SCMP_ACT_ALLOW' && !rule.args?.length && rule.names.includes(name));
}
