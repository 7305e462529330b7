/**
 * The flags of `tpod create` and `tpod run` (podman's names and defaults), and their
 * translation into a create request for the engine.
 */
import { Flags } from '@oclif/core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../src/errors.js';
import type { ContainerConfig, LogDriver } from '../src/containers/config.js';
import { createContainer, type CreateRequest, type PullPolicy } from '../src/containers/create.js';
import type { ContainerRecord } from '../src/containers/store.js';
import type { Engine } from '../src/engine.js';
import { parseBytes, parseCpus } from '../src/containers/units.js';
import { parseKeyValueFlags, parseLabelFile, parseLabelFlags } from '../src/labels.js';
import { locateRuntime } from '../src/runtime/locate.js';
import {
  checkBindSource,
  defaultSpecOptions,
  parseEntrypoint,
  parseEnvFile,
  parseAddHost,
  parseDeviceFlag,
  parseEnvFlags,
  parseMountFlag,
  parseSecurityOpts,
  parseSysctls,
  parseTmpfsFlag,
  parseUlimit,
  parseVolumeFlag,
  type BindMountRequest,
  type TmpfsMountRequest,
  type VolumeMountRequest,
  type NetworkMode,
  type ResourceRequest,
} from '../src/spec/index.js';
import { pullFlags, pullOptionsFromFlags, type PullFlagValues } from './pull-flags.js';
import { plainPullProgress } from './pull-progress.js';

const CATATONIT = '/usr/bin/catatonit';

export const containerFlags = {
  ...pullFlags,
  name: Flags.string({ description: 'assign a name to the container' }),
  replace: Flags.boolean({ description: 'replace an existing container of the same name' }),
  pull: Flags.option({ options: ['always', 'missing', 'never', 'newer'] as const, default: 'missing', description: 'pull policy' })(),
  quiet: Flags.boolean({ char: 'q', description: 'suppress the progress of pulling the image' }),
  env: Flags.string({ char: 'e', multiple: true, multipleNonGreedy: true, description: 'set an environment variable KEY=VALUE (KEY alone: from tpod\'s environment)' }),
  'env-file': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'read environment variables from a file' }),
  label: Flags.string({ char: 'l', multiple: true, multipleNonGreedy: true, description: 'set a label KEY=VALUE on the container' }),
  annotation: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add an annotation KEY=VALUE to the container\'s OCI config' }),
  'oom-score-adj': Flags.integer({ description: 'the container processes\' OOM score adjustment (-1000 to 1000)', min: -1000, max: 1000 }),
  'label-file': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'read labels (KEY=VALUE lines) from a file' }),
  entrypoint: Flags.string({ description: 'override the image\'s entrypoint (a string or a JSON array)' }),
  workdir: Flags.string({ char: 'w', description: 'working directory inside the container' }),
  user: Flags.string({ char: 'u', description: 'user[:group] to run as, names or IDs' }),
  'group-add': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add a supplementary group (a name from the image\'s /etc/group, or a GID)' }),
  umask: Flags.string({ description: 'umask of the container\'s processes (octal, default 0022)' }),
  hostname: Flags.string({ char: 'h', description: 'container host name' }),
  interactive: Flags.boolean({ char: 'i', description: 'keep stdin open' }),
  tty: Flags.boolean({ char: 't', description: 'allocate a pseudo-terminal' }),
  rm: Flags.boolean({ description: 'remove the container when it exits' }),
  volume: Flags.string({ char: 'v', multiple: true, multipleNonGreedy: true, description: 'bind mount HOST:CONTAINER[:ro]' }),
  tmpfs: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'mount a tmpfs at PATH[:OPTIONS]' }),
  mount: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'mount type=bind|volume|tmpfs,source=…,destination=…[,readonly]' }),
  'shm-size': Flags.string({ description: 'size of /dev/shm (e.g. 256m; default 64000k)' }),
  device: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add a host device HOST[:CONTAINER][:PERMISSIONS] (permissions: rwm)' }),
  sysctl: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'set a namespaced kernel parameter KEY=VALUE (net.*, IPC)' }),
  'env-host': Flags.boolean({ description: 'pass tpod\'s whole environment to the container (-e and --env-file win)' }),
  'add-host': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add NAME:IP (several names: NAME;NAME:IP) to /etc/hosts' }),
  'read-only': Flags.boolean({ description: 'mount the root filesystem read-only' }),
  'cap-add': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add a capability (or ALL)' }),
  'cap-drop': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'drop a capability (or ALL)' }),
  privileged: Flags.boolean({ description: 'give the container all capabilities and devices' }),
  'security-opt': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'no-new-privileges, seccomp=unconfined' }),
  ulimit: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'resource limit TYPE=SOFT[:HARD]' }),
  init: Flags.boolean({ description: 'run catatonit as PID 1 to reap zombies and forward signals' }),
  network: Flags.string({ description: 'network mode: none or host (bridge comes later)', default: 'none' }),
  memory: Flags.string({ char: 'm', description: 'memory limit (e.g. 64m)' }),
  'memory-swap': Flags.string({ description: 'memory plus swap limit (-1 unlimited)' }),
  cpus: Flags.string({ description: 'number of CPUs (e.g. 0.5)' }),
  'cpu-shares': Flags.integer({ char: 'c', description: 'CPU shares (relative weight)' }),
  'pids-limit': Flags.integer({ description: 'maximum number of processes (-1 unlimited)' }),
  restart: Flags.string({ description: 'restart policy (no, on-failure[:N], always, unless-stopped), used by generate systemd', default: 'no' }),
  'log-driver': Flags.option({ options: ['k8s-file', 'journald', 'none'] as const, default: 'k8s-file', description: 'logging driver' })(),
  'stop-signal': Flags.string({ description: 'signal to stop the container' }),
  'stop-timeout': Flags.integer({ description: 'seconds to wait before killing the container on stop', default: 10 }),
  cidfile: Flags.string({ description: 'write the container ID to this file (it must not exist)' }),
  'conmon-pidfile': Flags.string({ description: 'also write conmon\'s PID to this file (PIDFile= of a systemd unit)' }),
};

export interface ContainerFlagValues extends PullFlagValues {
  name?: string | undefined;
  replace?: boolean;
  pull: PullPolicy;
  quiet?: boolean;
  env?: string[] | undefined;
  'env-file'?: string[] | undefined;
  label?: string[] | undefined;
  'label-file'?: string[] | undefined;
  annotation?: string[] | undefined;
  'oom-score-adj'?: number | undefined;
  entrypoint?: string | undefined;
  workdir?: string | undefined;
  user?: string | undefined;
  'group-add'?: string[] | undefined;
  umask?: string | undefined;
  hostname?: string | undefined;
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  volume?: string[] | undefined;
  tmpfs?: string[] | undefined;
  mount?: string[] | undefined;
  'shm-size'?: string | undefined;
  'add-host'?: string[] | undefined;
  sysctl?: string[] | undefined;
  'env-host'?: boolean;
  device?: string[] | undefined;
  'read-only'?: boolean;
  'cap-add'?: string[] | undefined;
  'cap-drop'?: string[] | undefined;
  privileged?: boolean;
  'security-opt'?: string[] | undefined;
  ulimit?: string[] | undefined;
  init?: boolean;
  network: string;
  memory?: string | undefined;
  'memory-swap'?: string | undefined;
  cpus?: string | undefined;
  'cpu-shares'?: number | undefined;
  'pids-limit'?: number | undefined;
  restart: string;
  'log-driver': LogDriver;
  'stop-signal'?: string | undefined;
  'stop-timeout': number;
  runtime?: string | undefined;
  cidfile?: string | undefined;
  'conmon-pidfile'?: string | undefined;
}

export function createRequestFromFlags(flags: ContainerFlagValues, image: string, command: string[], argv: string[]): CreateRequest {
  const network = parseNetwork(flags.network);
  const security = parseSecurityOpts(flags['security-opt'] ?? []);
  const envFromFiles = (flags['env-file'] ?? []).flatMap((file) => parseEnvFile(readFlagFile(file, 'env'), file));
  const labelsFromFiles = (flags['label-file'] ?? []).map((file) => parseLabelFile(readFlagFile(file, 'label'), file));
  const mountRequests = splitMountRequests([...(flags.volume ?? []).map(parseVolumeFlag), ...(flags.mount ?? []).map(parseMountFlag)]);
  const spec = {
    ...defaultSpecOptions(),
    ...(command.length ? { command } : {}),
    ...(flags.entrypoint !== undefined ? { entrypoint: parseEntrypoint(flags.entrypoint) } : {}),
    env: [...(flags['env-host'] ? parseEnvFlags(['*']) : []), ...envFromFiles, ...parseEnvFlags(flags.env ?? [])],
    ...(flags.workdir ? { workdir: flags.workdir } : {}),
    ...(flags.user ? { user: flags.user } : {}),
    ...(flags['group-add']?.length ? { groupAdd: flags['group-add'].map(checkGroupAdd) } : {}),
    ...(flags.umask !== undefined ? { umask: parseUmask(flags.umask) } : {}),
    ...(flags.hostname ? { hostname: flags.hostname } : {}),
    ...(flags['shm-size'] ? { shmSize: parseShmSize(flags['shm-size']) } : {}),
    ...(flags.annotation?.length ? { annotations: parseKeyValueFlags(flags.annotation, 'annotation') } : {}),
    ...(flags['oom-score-adj'] !== undefined ? { oomScoreAdj: flags['oom-score-adj'] } : {}),
    ...(flags.sysctl?.length ? { sysctls: parseSysctls(flags.sysctl, network) } : {}),
    ...(flags.device?.length ? { devices: flags.device.map((value) => parseDeviceFlag(value)) } : {}),
    ...(flags['add-host']?.length ? { extraHosts: flags['add-host'].map(checkAddHost) } : {}),
    tty: Boolean(flags.tty),
    stdin: Boolean(flags.interactive),
    readOnly: Boolean(flags['read-only']),
    mounts: [...mountRequests.binds, ...(flags.tmpfs ?? []).map(parseTmpfsFlag), ...mountRequests.tmpfs],
    capAdd: flags['cap-add'] ?? [],
    capDrop: flags['cap-drop'] ?? [],
    privileged: Boolean(flags.privileged),
    ...security,
    ulimits: (flags.ulimit ?? []).map(parseUlimit),
    ...(flags.init ? { init: CATATONIT } : {}),
    network,
    resources: resourcesFromFlags(flags),
  };
  const config: ContainerConfig = {
    spec,
    autoRemove: Boolean(flags.rm),
    logDriver: flags['log-driver'],
    restartPolicy: flags.restart,
    stopSignal: flags['stop-signal'],
    stopTimeout: flags['stop-timeout'],
    storageDriver: '', // --storage-driver (global) or the store's default, resolved by create
    runtime: locateRuntime(flags.runtime || process.env.TPOD_RUNTIME || 'runc').name,
    createCommand: argv,
    ...(flags['conmon-pidfile'] ? { conmonPidFile: resolve(flags['conmon-pidfile']) } : {}),
    labels: Object.assign({}, ...labelsFromFiles, parseLabelFlags(flags.label ?? [])),
  };
  return {
    image,
    name: flags.name,
    replace: Boolean(flags.replace),
    pull: flags.pull,
    // A pull on the way prints podman's plain progress lines on stderr (stdout stays the
    // container's, or its ID with -d); -q keeps it quiet.
    pullOptions: { ...pullOptionsFromFlags(flags), ...(flags.quiet ? {} : { progress: plainPullProgress((line) => process.stderr.write(`${line}\n`)) }) },
    config,
    volumeMounts: mountRequests.volumes,
  };
}

/**
 * `-v /host:/ctr` and `--mount type=bind` are bind mounts; `-v name:/ctr`, `-v /ctr` and
 * `--mount type=volume` (named, anonymous) volumes; `--mount type=tmpfs` a tmpfs.
 */
function splitMountRequests(requests: Array<BindMountRequest | VolumeMountRequest | TmpfsMountRequest>): {
  binds: BindMountRequest[];
  volumes: VolumeMountRequest[];
  tmpfs: TmpfsMountRequest[];
} {
  const split = { binds: [] as BindMountRequest[], volumes: [] as VolumeMountRequest[], tmpfs: [] as TmpfsMountRequest[] };
  for (const request of requests) {
    if (request.type === 'bind') {
      checkBindSource(request);
      split.binds.push(request);
    } else if (request.type === 'volume') split.volumes.push(request);
    else split.tmpfs.push(request);
  }
  return split;
}

/** An --env-file's or --label-file's text; a missing or unreadable file is a one-line error (125), as podman's. */
function readFlagFile(file: string, kind: 'env' | 'label'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
    throw new NotFoundError(`${kind} file ${file}: ${reason}`);
  }
}

/** Kept as typed (inspect shows it so), checked now: /etc/hosts is written at each start. */
function checkAddHost(value: string): string {
  parseAddHost(value);
  return value;
}

/** podman's `--umask`: octal, at most 0777. */
function parseUmask(value: string): number {
  if (!/^0?[0-7]{1,3}$/.test(value)) throw new InvalidArgumentError(`invalid --umask ${JSON.stringify(value)}: expected an octal mask such as 0022`);
  return Number.parseInt(value, 8);
}

/** keep-groups needs crun's run.oci.keep_original_groups, which runc lacks. */
function checkGroupAdd(value: string): string {
  if (value === 'keep-groups') throw new InvalidArgumentError('--group-add keep-groups needs crun (run.oci.keep_original_groups); runc cannot keep them');
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(value)) throw new InvalidArgumentError(`invalid --group-add ${JSON.stringify(value)}: not a group name or GID`);
  return value;
}

/** tmpfs refuses a size of 0 (it would mean unlimited): at least one page. */
function parseShmSize(value: string): number {
  const bytes = parseBytes(value, '--shm-size');
  if (bytes < 4096) throw new InvalidArgumentError(`invalid size for --shm-size: "${value}" (at least 4k)`);
  return bytes;
}

function parseNetwork(value: string): NetworkMode {
  if (value === 'none' || value === 'host') return value;
  throw new InvalidArgumentError(`network mode "${value}" is not supported yet: use none or host (bridge networking comes later)`);
}

function resourcesFromFlags(flags: ContainerFlagValues): ResourceRequest {
  return {
    ...(flags.memory ? { memory: parseBytes(flags.memory, '--memory') } : {}),
    ...(flags['memory-swap'] ? { memorySwap: flags['memory-swap'] === '-1' ? -1 : parseBytes(flags['memory-swap'], '--memory-swap') } : {}),
    ...(flags.cpus ? parseCpus(flags.cpus) : {}),
    ...(flags['cpu-shares'] !== undefined ? { cpuShares: flags['cpu-shares'] } : {}),
    // Unset means the engine's default (src/containers/resource-policy.ts).
    ...(flags['pids-limit'] !== undefined ? { pidsLimit: flags['pids-limit'] } : {}),
  };
}

/** --cidfile is refused up front when the file exists (podman's rule): it may name another container. */
export function checkCidFile(path: string | undefined): void {
  if (path && existsSync(path)) {
    throw new AlreadyExistsError(`container id file exists. Ensure another container is not using it or delete ${path}`);
  }
}

export function writeCidFile(path: string | undefined, id: string): void {
  if (path) writeFileSync(path, id, { flag: 'wx' });
}

/**
 * The create command as typed (podman's CreateCommand): the process's own argv, before
 * the launcher moved global flags and added `--`, with the command words in place, so
 * `generate systemd --new` can find `run`/`create` and the image as podman does.
 */
export function createCommand(): string[] {
  return ['tpod', ...process.argv.slice(2)];
}

/**
 * What `create` and `run` share: the request from the flags and `IMAGE [COMMAND...]`, the
 * --cidfile checked before anything is created and written once the container exists.
 */
export async function createFromCommandLine(
  engine: Engine,
  flags: ContainerFlagValues & { cidfile?: string | undefined },
  positionals: string[],
  options: { startsNext?: boolean } = {},
): Promise<ContainerRecord> {
  const [image, ...command] = positionals;
  const request = { ...createRequestFromFlags(flags, image!, command, createCommand()), startsNext: options.startsNext === true };
  checkCidFile(flags.cidfile);
  const container = await createContainer(engine, request);
  writeCidFile(flags.cidfile, container.id);
  return container;
}
