/**
 * The runtime spec of one container: the image's config and the parsed command line
 * (ContainerSpecOptions) in, config.json's object out. Each concern lives in its own file;
 * this one only decides which pieces apply:
 *
 *   process   args.ts, env.ts, user.ts (resolved by the caller), capabilities.ts, ulimits.ts
 *   mounts    default-mounts.ts, then the user's (mounts.ts), parents before children
 *   linux     namespaces.ts, masked-paths.ts, devices.ts, resources.ts, seccomp.ts
 *
 * Pure given `context.host`; without it the host is read once (host.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import type { ImageConfig } from '../oci/types.js';
import { processArgs } from './args.js';
import { effectiveCapabilityList, processCapabilities } from './capabilities.js';
import { initBinaryMount, initFileMounts, INIT_PATH, kernelMounts, readOnlyTmpfsMounts, type InitFilePaths } from './default-mounts.js';
import { deviceAllowRules, deviceBindMounts, linuxDevices } from './device-flag.js';
import { deviceCgroupRules } from './devices.js';
import { mergeEnv } from './env.js';
import { detectHostFacts, type HostFacts } from './host.js';
import { validateHostname } from './init-files.js';
import { maskedPaths, readonlyPaths } from './masked-paths.js';
import { checkUniqueDestinations, combineMounts, toOciMount } from './mounts.js';
import { linuxNamespaces } from './namespaces.js';
import type { ContainerSpecOptions } from './options.js';
import { linuxResources } from './resources.js';
import { defaultSeccompProfile } from './seccomp.js';
import { OCI_VERSION, type IDMapping, type Linux, type Mount, type Process, type RuntimeSpec } from './types.js';
import { processRlimits } from './ulimits.js';
import type { ResolvedUser } from './user.js';

export interface BuildContext {
  /** Absolute path of the container's root filesystem (the snapshot's mount). */
  rootfs: string;
  /** A filesystem the runtime mounts over `rootfs` first (rootless overlay), if any. */
  rootMount?: Mount | undefined;
  /** Host paths of the generated /etc files (init-files.ts writeInitFiles). */
  initFiles: InitFilePaths;
  /** `-u` or the image's User, resolved against the image (user.ts resolveUser). */
  user: ResolvedUser;
  host?: HostFacts;
}

/** podman's `--umask` default. */
const DEFAULT_UMASK = 0o022;

export function buildRuntimeSpec(image: ImageConfig, options: ContainerSpecOptions, context: BuildContext): RuntimeSpec {
  if (!context.rootfs.startsWith('/')) throw new InvalidArgumentError(`rootfs ${context.rootfs} is not an absolute path`);
  const host = context.host ?? detectHostFacts();
  const hostname = options.hostname === undefined ? undefined : validateHostname(options.hostname);
  const capabilities = effectiveCapabilityList(options, host.lastCapability, host.boundingCapabilities);
  const spec: RuntimeSpec = {
    ociVersion: OCI_VERSION,
    process: buildProcess(image, options, context.user, hostname, capabilities, host),
    root: { path: context.rootfs, readonly: options.readOnly },
    mounts: [...(context.rootMount ? [context.rootMount] : []), ...buildMounts(options, context.initFiles)],
    linux: buildLinux(options, host, capabilities),
  };
  if (hostname !== undefined) spec.hostname = hostname;
  if (options.annotations && Object.keys(options.annotations).length > 0) spec.annotations = { ...options.annotations };
  return spec;
}

function buildProcess(
  image: ImageConfig,
  options: ContainerSpecOptions,
  user: ResolvedUser,
  hostname: string | undefined,
  capabilities: string[],
  host: HostFacts,
): Process {
  const args = processArgs(image.config, options);
  const envDefaults = { tty: options.tty, ...(hostname === undefined ? {} : { hostname }), ...(user.home ? { home: user.home } : {}) };
  const process: Process = {
    terminal: options.tty,
    user: { uid: user.uid, gid: user.gid, umask: options.umask ?? DEFAULT_UMASK, additionalGids: [...user.additionalGids] },
    // `--init`: catatonit is PID 1, reaps zombies and forwards signals; `--` ends its options.
    args: options.init ? [INIT_PATH, '--', ...args] : args,
    env: mergeEnv(image.config?.Env, envDefaults, options.env),
    cwd: workingDirectory(options.workdir, image.config?.WorkingDir),
    capabilities: processCapabilities(capabilities),
    rlimits: processRlimits(options.ulimits, host.rlimitCeilings),
  };
  if (options.noNewPrivileges) process.noNewPrivileges = true;
  if (options.oomScoreAdj !== undefined) process.oomScoreAdj = options.oomScoreAdj;
  return process;
}

/** `-w`, else the image's WorkingDir, else "/"; the runtime-spec requires an absolute cwd. */
function workingDirectory(flag: string | undefined, image: string | undefined): string {
  if (flag !== undefined && flag !== '') {
    if (!flag.startsWith('/')) throw new InvalidArgumentError(`invalid working directory ${JSON.stringify(flag)}: not an absolute path`);
    return flag;
  }
  if (!image) return '/';
  // Docker resolves a relative WORKDIR against "/" when it builds; old images may still carry one.
  return image.startsWith('/') ? image : `/${image}`;
}

function buildMounts(options: ContainerSpecOptions, initFiles: InitFilePaths): Mount[] {
  const defaults: Mount[] = [
    ...kernelMounts({
      privileged: options.privileged,
      hostNetwork: options.network === 'host',
      userNamespace: hasUserNamespace(options),
      ttyGroupMapped: !options.gidMappings?.length || maps(options.gidMappings, 5),
      shmSize: options.shmSize,
    }),
    ...initFileMounts(initFiles),
  ];
  if (options.readOnly && options.readOnlyTmpfs !== false) defaults.push(...readOnlyTmpfsMounts());
  if (options.init) defaults.push(initBinaryMount(options.init));
  if (options.devices?.length && devicesAreBound(options)) defaults.push(...deviceBindMounts(options.devices));
  checkUniqueDestinations(options.mounts);
  return combineMounts(defaults, options.mounts.map(toOciMount));
}

function buildLinux(options: ContainerSpecOptions, host: HostFacts, capabilities: string[]): Linux {
  const userNamespace = hasUserNamespace(options) && !options.runtimeInUserNamespace;
  const linux: Linux = {
    namespaces: linuxNamespaces({ network: options.network, cgroupNamespace: host.cgroupNamespace, userNamespace }),
    maskedPaths: maskedPaths(options.privileged),
    readonlyPaths: readonlyPaths(options.privileged),
    resources: { devices: deviceCgroupRules(options.privileged), ...linuxResources(options.resources) },
  };
  if (options.sysctls && Object.keys(options.sysctls).length > 0) linux.sysctl = { ...options.sysctls };
  if (options.devices?.length && !devicesAreBound(options)) {
    linux.devices = linuxDevices(options.devices);
    linux.resources!.devices!.push(...deviceAllowRules(options.devices));
  }
  if (userNamespace) {
    linux.uidMappings = (options.uidMappings ?? []).map((m) => ({ ...m }));
    linux.gidMappings = (options.gidMappings ?? []).map((m) => ({ ...m }));
  }
  if (!options.privileged && options.seccomp !== 'unconfined') linux.seccomp = defaultSeccompProfile(capabilities);
  if (options.cgroupsPath !== undefined) linux.cgroupsPath = options.cgroupsPath;
  return linux;
}

/** Both mappings or neither: a user namespace with only one of them cannot set ids. */
/** In a user namespace no device node can be made: `--device` nodes are bind-mounted. */
function devicesAreBound(options: ContainerSpecOptions): boolean {
  return hasUserNamespace(options) || options.runtimeInUserNamespace === true;
}

function hasUserNamespace(options: ContainerSpecOptions): boolean {
  const uid = (options.uidMappings?.length ?? 0) > 0;
  const gid = (options.gidMappings?.length ?? 0) > 0;
  if (uid !== gid) throw new InvalidArgumentError('uid and gid mappings must be given together');
  return uid;
}

function maps(mappings: readonly IDMapping[], containerId: number): boolean {
  return mappings.some((m) => containerId >= m.containerID && containerId < m.containerID + m.size);
}
