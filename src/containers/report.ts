/**
 * Containers as `tpod ps` and `tpod inspect` show them: podman's field names and status
 * strings ("Up 2 minutes", "Exited (0) 3 seconds ago", "Created"), so templates and
 * scripts written for podman keep working.
 */
import { readFileSync } from 'node:fs';
import type { Engine } from '../engine.js';
import { normalizeCapability } from '../spec/capabilities.js';
import { DEFAULT_SHM_SIZE } from '../spec/default-mounts.js';
import { mergeEnv } from '../spec/env.js';
import { humanAge, humanDuration } from '../ui/human.js';
import { volumeDataDir } from '../volumes/store.js';
import { liveExecSessions } from './exec-sessions.js';
import { containerScope } from './layout.js';
import type { ContainerRecord } from './store.js';

export interface PsRow {
  Id: string;
  ID: string;
  Image: string;
  ImageID: string;
  Command: string;
  CreatedAt: string;
  Created: number;
  CreatedHuman: string;
  Status: string;
  State: string;
  ExitCode: number;
  Exited: boolean;
  Names: string;
  Pid: number;
  Ports: string;
  AutoRemove: boolean;
  Labels: Record<string, string>;
}

export function containerCommand(container: ContainerRecord, imageCmd: string[] = []): string[] {
  const spec = container.config.spec;
  return [...(spec.entrypoint ?? []), ...(spec.command?.length ? spec.command : imageCmd)];
}

export function statusText(container: ContainerRecord, now = Date.now()): string {
  switch (container.state) {
    case 'running':
      return `Up ${humanDuration((now - Date.parse(container.startedAt ?? container.createdAt)) / 1000)}`;
    case 'paused':
      return 'Paused';
    case 'exited':
      return `Exited (${container.exitCode ?? -1}) ${humanAge(container.finishedAt, now)}`;
    case 'removing':
      return 'Removing';
    default:
      return 'Created';
  }
}

export function psRow(container: ContainerRecord, imageCmd: string[] = []): PsRow {
  return {
    Id: container.id,
    ID: container.id.slice(0, 12),
    Image: container.imageName,
    ImageID: container.imageId,
    Command: containerCommand(container, imageCmd).join(' '),
    CreatedAt: container.createdAt,
    Created: Math.floor(Date.parse(container.createdAt) / 1000),
    CreatedHuman: humanAge(container.createdAt),
    Status: statusText(container),
    State: container.state,
    ExitCode: container.exitCode ?? 0,
    Exited: container.state === 'exited',
    Names: container.name,
    Pid: container.pid ?? 0,
    Ports: '',
    AutoRemove: container.config.autoRemove,
    Labels: container.config.labels ?? {},
  };
}

function hasLabels(container: ContainerRecord): boolean {
  return Object.keys(container.config.labels ?? {}).length > 0;
}

/** Go's zero time as a Unix time: what podman's JSON says for "never" (ExitedAt, StartedAt). */
const GO_ZERO_TIME = -62135596800;

const unixSeconds = (iso: string | undefined): number => (iso ? Math.floor(Date.parse(iso) / 1000) : GO_ZERO_TIME);

/**
 * `tpod ps --format json`: podman's ListContainer fields with its JSON types (Command and
 * Names arrays, times as Unix seconds, CreatedAt the human age), not the template row,
 * whose Names and Command are the strings podman's templates print.
 */
export function psJson(container: ContainerRecord, imageCmd: string[] = []): Record<string, unknown> {
  return {
    AutoRemove: container.config.autoRemove,
    Command: containerCommand(container, imageCmd),
    CreatedAt: humanAge(container.createdAt),
    Exited: container.state === 'exited',
    ExitedAt: container.state === 'exited' ? unixSeconds(container.finishedAt) : GO_ZERO_TIME,
    ExitCode: container.exitCode ?? 0,
    Id: container.id,
    Image: container.imageName,
    ImageID: container.imageId,
    IsInfra: false,
    Labels: hasLabels(container) ? container.config.labels : null,
    Mounts: container.config.spec.mounts.map((mount) => mount.destination),
    Names: [container.name],
    Namespaces: {},
    Networks: [],
    Pid: container.pid ?? 0,
    Pod: '',
    PodName: '',
    Ports: null,
    Size: null,
    StartedAt: unixSeconds(container.startedAt),
    State: container.state,
    Status: statusText(container),
    Created: unixSeconds(container.createdAt),
  };
}

/** `tpod inspect CONTAINER`: podman's InspectContainerData for the fields tpod has. */
export function containerInspect(engine: Engine, container: ContainerRecord): Record<string, unknown> {
  const image = engine.images.find(container.imageId);
  const spec = container.config.spec;
  const paths = engine.containerPaths(container.id);
  const snapshotDir = `${paths.dir}/snapshot`;
  return {
    Id: container.id,
    Created: container.createdAt,
    Path: containerCommand(container, image?.config.config?.Cmd ?? [])[0] ?? '',
    Args: containerCommand(container, image?.config.config?.Cmd ?? []).slice(1),
    State: {
      OciVersion: '1.0.2',
      Status: container.state === 'removing' ? 'removing' : container.state,
      Running: container.state === 'running',
      Paused: container.state === 'paused',
      Restarting: false,
      OOMKilled: container.oomKilled,
      Dead: false,
      Pid: container.pid ?? 0,
      ConmonPid: container.monitor === 'conmon' ? (container.monitorPid ?? 0) : 0,
      ExitCode: container.exitCode ?? 0,
      Error: '',
      StartedAt: container.startedAt ?? '0001-01-01T00:00:00Z',
      FinishedAt: container.finishedAt ?? '0001-01-01T00:00:00Z',
    },
    Image: container.imageId,
    ImageName: container.imageName,
    Rootfs: '',
    Name: container.name,
    RestartCount: 0,
    ExecIDs: container.state === 'running' || container.state === 'paused' ? liveExecSessions(paths) : [],
    Driver: container.config.storageDriver,
    OCIRuntime: container.config.runtime,
    MountLabel: '',
    ProcessLabel: '',
    HostnamePath: `${paths.userdata}/hostname`,
    HostsPath: `${paths.userdata}/hosts`,
    ResolvConfPath: `${paths.userdata}/resolv.conf`,
    LogPath: paths.log,
    OCIConfigPath: `${paths.bundle}/config.json`,
    Mounts: spec.mounts.map((mount) => {
      const source = 'source' in mount ? mount.source : '';
      // A volume is a bind of its directory underneath; podman shows it as a volume by name.
      const volume = (container.config.volumes ?? []).find((name) => volumeDataDir(engine, name) === source);
      return {
        Type: volume ? 'volume' : mount.type,
        ...(volume ? { Name: volume, Driver: 'local' } : {}),
        Source: source,
        Destination: mount.destination,
        RW: !('readOnly' in mount && mount.readOnly),
      };
    }),
    GraphDriver: {
      Name: container.config.storageDriver,
      Data: { UpperDir: `${snapshotDir}/upper`, WorkDir: `${snapshotDir}/work`, MergedDir: `${snapshotDir}/merged` },
    },
    Config: {
      Hostname: spec.hostname ?? container.id.slice(0, 12),
      User: spec.user ?? image?.config.config?.User ?? '',
      Env: processEnv(container, `${paths.bundle}/config.json`, image?.config.config?.Env),
      Cmd: spec.command?.length ? spec.command : (image?.config.config?.Cmd ?? []),
      Entrypoint: spec.entrypoint ?? image?.config.config?.Entrypoint ?? [],
      WorkingDir: spec.workdir ?? image?.config.config?.WorkingDir ?? '/',
      Image: container.imageName,
      Tty: spec.tty,
      OpenStdin: spec.stdin,
      StopSignal: container.config.stopSignal ?? image?.config.config?.StopSignal ?? 'SIGTERM',
      StopTimeout: container.config.stopTimeout,
      Umask: (spec.umask ?? 0o022).toString(8).padStart(4, '0'),
      Annotations: spec.annotations ?? {},
      Labels: hasLabels(container) ? container.config.labels : null,
      CreateCommand: container.config.createCommand,
      SystemdMode: false,
    },
    HostConfig: {
      AutoRemove: container.config.autoRemove,
      NetworkMode: spec.network,
      Privileged: spec.privileged,
      ReadonlyRootfs: spec.readOnly,
      // As podman shows them: CAP_ names in upper case, whatever the user typed.
      CapAdd: spec.capAdd.map(normalizeCapability),
      CapDrop: spec.capDrop.map(normalizeCapability),
      Memory: spec.resources?.memory ?? 0,
      MemorySwap: spec.resources?.memorySwap ?? 0,
      CpuQuota: spec.resources?.cpuQuota ?? 0,
      CpuPeriod: spec.resources?.cpuPeriod ?? 0,
      CpuShares: spec.resources?.cpuShares ?? 0,
      PidsLimit: spec.resources?.pidsLimit ?? 0,
      ShmSize: spec.shmSize ?? DEFAULT_SHM_SIZE,
      ExtraHosts: spec.extraHosts ?? [],
      GroupAdd: spec.groupAdd ?? [],
      Sysctls: spec.sysctls ?? {},
      OomScoreAdj: spec.oomScoreAdj ?? 0,
      Devices: (spec.devices ?? []).map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.containerPath, CgroupPermissions: d.permissions })),
      RestartPolicy: { Name: container.config.restartPolicy.split(':')[0], MaximumRetryCount: Number(container.config.restartPolicy.split(':')[1] ?? 0) },
      LogConfig: { Type: container.config.logDriver, Path: paths.log },
      Init: spec.init !== undefined,
    },
    Systemd: { Scope: containerScope(container.id), Monitor: container.monitor ?? '' },
  };
}

/**
 * The environment the container's process gets, as podman's inspect shows it (the image's,
 * the defaults, then -e): read from the bundle the last start wrote; before a first start,
 * merged the same way, with HOME the default (the image's /etc/passwd is read at start).
 */
function processEnv(container: ContainerRecord, configPath: string, imageEnv: string[] | undefined): string[] {
  try {
    const env = (JSON.parse(readFileSync(configPath, 'utf8')) as { process?: { env?: unknown } }).process?.env;
    if (Array.isArray(env)) return env as string[];
  } catch {
    // not started yet: no bundle
  }
  const { spec } = container.config;
  return mergeEnv(imageEnv, { hostname: spec.hostname ?? container.id.slice(0, 12), tty: spec.tty }, spec.env);
}
