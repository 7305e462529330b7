/**
 * The part of the OCI runtime-spec (v1.0.2: config.md, config-linux.md) that tpod writes
 * into a bundle's config.json. Field names and nesting are the spec's own, so the object
 * serialises straight to JSON that runc and crun read; optional fields tpod never sets are
 * left out rather than modelled.
 */

/** The runtime-spec version tpod's bundles claim; runc 1.1 reports "1.0.2-dev". */
export const OCI_VERSION = '1.0.2';

/** config.md: the whole config.json. */
export interface RuntimeSpec {
  ociVersion: string;
  process: Process;
  root: Root;
  hostname?: string;
  mounts: Mount[];
  annotations?: Record<string, string>;
  linux: Linux;
}

/** config.md "Root": the rootfs, absolute here so the bundle works from any directory. */
export interface Root {
  path: string;
  readonly?: boolean;
}

/** config.md "Process". */
export interface Process {
  terminal?: boolean;
  /** config.md: the terminal's initial size, applied by the runtime before the command starts. */
  consoleSize?: { height: number; width: number };
  user: User;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: POSIXRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

/** config.md "User" (POSIX platforms). */
export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

/** config.md "Linux Process": capability names with the CAP_ prefix, e.g. "CAP_CHOWN". */
export interface Capabilities {
  bounding: string[];
  effective: string[];
  inheritable: string[];
  permitted: string[];
  ambient: string[];
}

/**
 * config.md "POSIX process": `type` is "RLIMIT_NOFILE" and so on. Limits are uint64 in the
 * spec; RLIM_INFINITY (2^64-1) does not fit a JS number, so unlimited values are bigints
 * and the bundle writer serialises them exactly (see bundle.ts).
 */
export interface POSIXRlimit {
  type: string;
  hard: number | bigint;
  soft: number | bigint;
}

/** config.md "Mounts". */
export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** config-linux.md. */
export interface Linux {
  namespaces: LinuxNamespace[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  devices?: LinuxDevice[];
  cgroupsPath?: string;
  resources?: LinuxResources;
  seccomp?: LinuxSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  sysctl?: Record<string, string>;
}

export type LinuxNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

/** config-linux.md "Namespaces": without `path` the runtime creates a new one. */
export interface LinuxNamespace {
  type: LinuxNamespaceType;
  path?: string;
}

/** config-linux.md "User namespace mappings". */
export interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** config-linux.md "Devices": nodes the runtime creates in the container's /dev. */
export interface LinuxDevice {
  path: string;
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** config-linux.md "Control groups". */
export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
}

/** config-linux.md "Device allowlist": a missing major/minor means "any" (`*`). */
export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

/** config-linux.md "Memory": bytes; -1 means unlimited. */
export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
}

/** config-linux.md "CPU". */
export interface LinuxCPU {
  shares?: number;
  quota?: number;
  period?: number;
}

/** config-linux.md "Pids": -1 (or unset) means unlimited. */
export interface LinuxPids {
  limit: number;
}

export type SeccompAction = 'SCMP_ACT_KILL' | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_TRAP' | 'SCMP_ACT_ERRNO' | 'SCMP_ACT_TRACE' | 'SCMP_ACT_ALLOW' | 'SCMP_ACT_LOG';

export type SeccompArch =
  | 'SCMP_ARCH_X86'
  | 'SCMP_ARCH_X86_64'
  | 'SCMP_ARCH_X32'
  | 'SCMP_ARCH_ARM'
  | 'SCMP_ARCH_AARCH64';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

/** config-linux.md "Seccomp". */
export interface LinuxSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: SeccompArch[];
  syscalls?: LinuxSyscall[];
}

/** One rule: several `args` are ANDed; several rules naming one syscall are ORed. */
export interface LinuxSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

/** For SCMP_CMP_MASKED_EQ, `value` is the mask and `valueTwo` the expected masked value. */
export interface LinuxSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}
