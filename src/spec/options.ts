/**
 * What `tpod run`/`create` flags become once parsed, with podman's meaning. The command
 * layer turns flag strings into these values with the parsers next to each concern
 * (args.ts `parseEntrypoint`, env.ts `parseEnvFlags`/`parseEnvFile`, mounts.ts
 * `parseVolumeFlag`/`parseTmpfsFlag`, ulimits.ts `parseUlimit`, security-opts.ts
 * `parseSecurityOpts`); build.ts turns them, with the image config, into a RuntimeSpec.
 */
import type { DeviceRequest } from './device-flag.js';
import type { IDMapping } from './types.js';

/** `-v /host:/ctr[:opts]` (named volumes resolved by the caller to a host path). */
export interface BindMountRequest {
  type: 'bind';
  /** Absolute host path. */
  source: string;
  /** Absolute path in the container. */
  destination: string;
  readOnly: boolean;
  /** Extra mount options kept from the flag: propagation, nosuid, nodev, noexec. */
  options: string[];
}

/** `--tmpfs /path[:opts]`: `options` are the final tmpfs options, defaults included. */
export interface TmpfsMountRequest {
  type: 'tmpfs';
  destination: string;
  options: string[];
}

export type MountRequest = BindMountRequest | TmpfsMountRequest;

/** `--ulimit name=soft[:hard]`: `type` is "RLIMIT_NOFILE"…; -1 as a value means unlimited. */
export interface UlimitRequest {
  type: string;
  soft: number;
  hard: number;
}

/** `--memory`, `--memory-swap`, `--cpu-quota`, `--cpu-period`, `--cpu-shares`, `--pids-limit`. */
export interface ResourceRequest {
  /** Bytes. */
  memory?: number;
  /** Bytes of memory plus swap; -1 is unlimited swap (podman's `--memory-swap` meaning). */
  memorySwap?: number;
  /** Bytes, `--memory-reservation`. */
  memoryReservation?: number;
  /** Microseconds per period. */
  cpuQuota?: number;
  /** Microseconds. */
  cpuPeriod?: number;
  cpuShares?: number;
  /** -1 or 0 is unlimited, as podman's `--pids-limit`. */
  pidsLimit?: number;
}

export type NetworkMode = 'none' | 'host';

export interface ContainerSpecOptions {
  /** Arguments after the image name; empty or missing means "use the image's Cmd". */
  command?: string[];
  /** `--entrypoint`, see args.ts parseEntrypoint; [] or [""] clears the image's entrypoint. */
  entrypoint?: string[];
  /** Resolved `KEY=VALUE` entries from `-e` and `--env-file` (env.ts), in flag order. */
  env: string[];
  /** `-w`. */
  workdir?: string;
  /** `-u user[:group]`, names or ids; resolved by user.ts before building. */
  user?: string;
  /** `--hostname`. */
  hostname?: string;
  /** `-t`. */
  tty: boolean;
  /** `-i`: keeps stdin open; the spec itself has nothing for it, the caller wires stdio. */
  stdin: boolean;
  /** `--read-only`. */
  readOnly: boolean;
  /** `--read-only-tmpfs` (podman default true): tmpfs on /tmp, /var/tmp, /run with --read-only. */
  readOnlyTmpfs?: boolean;
  mounts: MountRequest[];
  /** `--cap-add`: names with or without CAP_, any case, or ALL. */
  capAdd: string[];
  /** `--cap-drop`: names with or without CAP_, any case, or ALL. */
  capDrop: string[];
  privileged: boolean;
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges: boolean;
  /** `--security-opt seccomp=unconfined` gives 'unconfined'. */
  seccomp?: 'default' | 'unconfined';
  ulimits: UlimitRequest[];
  /** `--init`: host path of catatonit, bind-mounted read-only and run as PID 1. */
  init?: string;
  network: NetworkMode;
  /** Passed through to linux.cgroupsPath (runc's systemd form is "slice:prefix:name"). */
  cgroupsPath?: string;
  resources?: ResourceRequest;
  annotations?: Record<string, string>;
  /** Rootless: mappings for a new user namespace (added when either is present). */
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  /**
   * The runtime already runs in a user namespace with these mappings (rootless
   * fuse-overlayfs): the container is in it, so config.json asks for no new one.
   */
  runtimeInUserNamespace?: boolean;
  /** `--umask`, podman's default 0022. */
  umask?: number;
  /** `--shm-size` in bytes; unset: podman's 64000k. */
  shmSize?: number;
  /** `--add-host` values as given (`NAME[;NAME]:IP`, checked by extra-hosts.ts). */
  extraHosts?: string[];
  /** `--oom-score-adj`, -1000 to 1000. */
  oomScoreAdj?: number;
  /** `--sysctl`, checked by sysctls.ts. */
  sysctls?: Record<string, string>;
  /** `--group-add`: supplementary groups, names from the image's /etc/group or numbers. */
  groupAdd?: string[];
  /** `--device`, resolved against the host's nodes at create (device-flag.ts). */
  devices?: DeviceRequest[];
}

/** Options for a plain `tpod run IMAGE`: what every flag means when not given. */
export function defaultSpecOptions(): ContainerSpecOptions {
  return {
    env: [],
    tty: false,
    stdin: false,
    readOnly: false,
    mounts: [],
    capAdd: [],
    capDrop: [],
    privileged: false,
    noNewPrivileges: false,
    ulimits: [],
    network: 'none',
  };
}
