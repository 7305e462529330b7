/** The OCI runtime spec of a container: see build.ts for how the pieces fit. */
export { buildRuntimeSpec, type BuildContext } from './build.js';
export { writeBundle, serializeSpec, CONFIG_FILE } from './bundle.js';
export { parseEntrypoint, processArgs } from './args.js';
export { parseEnvFlags, parseEnvFile, mergeEnv, DEFAULT_PATH } from './env.js';
export { resolveUser, type ResolvedUser, type RootfsFileReader } from './user.js';
export { normalizeCapability, effectiveCapabilityList, allCapabilities, DEFAULT_CAPABILITIES } from './capabilities.js';
export { parseUlimit, RLIM_INFINITY } from './ulimits.js';
export { parseVolumeFlag, checkBindSource, parseTmpfsFlag, bindNamedVolume, type VolumeMountRequest } from './mounts.js';
export { parseSecurityOpts, type SecurityOpts } from './security-opts.js';
export { defaultSeccompProfile } from './seccomp.js';
export { writeInitFiles, initFileContents, readHostNetworkFiles, validateHostname } from './init-files.js';
export { INIT_PATH, type InitFilePaths } from './default-mounts.js';
export { detectHostFacts, type HostFacts } from './host.js';
export { defaultSpecOptions, type ContainerSpecOptions, type MountRequest, type BindMountRequest, type TmpfsMountRequest, type UlimitRequest, type ResourceRequest, type NetworkMode } from './options.js';
export type * from './types.js';
export { parseAddHost } from './extra-hosts.js';
export { parseMountFlag } from './mount-flag.js';
export { parseDeviceFlag, type DeviceRequest } from './device-flag.js';
