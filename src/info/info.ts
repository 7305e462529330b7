/**
 * `tpod info`: what podman info reports that matters to tpod — the host (kernel, cgroups,
 * systemd reachable or not and over which bus, the OCI runtime), the store, and the
 * version. Every probe is independent: one failing becomes a field, never the command.
 */
import { cpus, hostname, release, totalmem } from 'node:os';
import type { Engine } from '../engine.js';
import type { IDMapping } from '../spec/types.js';
import { locateRuntime, runtimeVersion } from '../runtime/locate.js';
import { systemdBusEndpoint } from '../systemd/bus.js';
import { SystemdManager } from '../systemd/manager.js';
import { detectCgroups, type CgroupLayout } from './cgroups.js';
import { goArch, versionReport } from './version.js';

export interface SystemdReport {
  reachable: boolean;
  bus: string;
  address: string;
  version?: string;
  error?: string;
}

export interface InfoReport {
  host: {
    arch: string;
    os: string;
    kernel: string;
    hostname: string;
    cpus: number;
    memTotal: number;
    cgroupVersion: 'v1' | 'v2';
    cgroupLayout: CgroupLayout;
    cgroupManager: string;
    systemd: SystemdReport;
    ociRuntime: { name: string; path?: string; version?: string; error?: string };
    security: { rootless: boolean };
    /** Rootless: the user namespace mapping of containers (podman's host.idMappings). */
    idMappings?: { uidmap: IDMapping[]; gidmap: IDMapping[] };
  };
  store: { graphRoot: string; runRoot: string; graphDriverName: string };
  version: { Version: string; APIVersion: string; OsArch: string };
}

export async function collectInfo(engine: Engine): Promise<InfoReport> {
  const cgroups = detectCgroups();
  const [systemd, ociRuntime] = await Promise.all([probeSystemd(engine.paths.rootless), probeRuntime(engine.runtimeName)]);
  const client = versionReport().Client;
  return {
    host: {
      arch: goArch(process.arch),
      os: process.platform,
      kernel: release(),
      hostname: hostname(),
      cpus: cpus().length,
      memTotal: totalmem(),
      cgroupVersion: cgroups.version,
      cgroupLayout: cgroups.layout,
      cgroupManager: engine.cgroupManager,
      systemd,
      ociRuntime,
      security: { rootless: engine.paths.rootless },
      ...(engine.paths.rootless ? { idMappings: { uidmap: engine.userIdMapping.uidMappings, gidmap: engine.userIdMapping.gidMappings } } : {}),
    },
    // The driver new containers get (rootless: fuse-overlayfs where overlay cannot be
    // mounted); info reports what it can, so a probe that cannot run says overlay.
    store: { graphRoot: engine.paths.root, runRoot: engine.paths.runroot, graphDriverName: await engine.defaultStorageDriver().catch(() => 'overlay') },
    version: { Version: client.Version, APIVersion: client.APIVersion, OsArch: client.OsArch },
  };
}

async function probeSystemd(rootless: boolean): Promise<SystemdReport> {
  let endpoint;
  try {
    endpoint = systemdBusEndpoint(rootless);
  } catch (err) {
    return { reachable: false, bus: rootless ? 'user' : 'system', address: '', error: (err as Error).message };
  }
  const base = { bus: endpoint.kind, address: endpoint.address };
  try {
    const manager = await SystemdManager.connect(endpoint);
    try {
      return { reachable: true, ...base, version: await manager.version() };
    } finally {
      manager.close();
    }
  } catch (err) {
    return { reachable: false, ...base, error: (err as Error).message };
  }
}

async function probeRuntime(name: string): Promise<InfoReport['host']['ociRuntime']> {
  try {
    const runtime = locateRuntime(name);
    return { name: runtime.name, path: runtime.path, version: await runtimeVersion(runtime) };
  } catch (err) {
    return { name, error: (err as Error).message };
  }
}
