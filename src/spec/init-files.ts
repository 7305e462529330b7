/**
 * The files docker calls the "init layer" and podman writes into the container's run
 * directory: /etc/hostname, /etc/hosts and /etc/resolv.conf, generated per container and
 * bind-mounted over the image's (default-mounts.ts initFileMounts). Generating them keeps
 * the image untouched and lets each container have its own hostname.
 *
 * - hostname: the container's hostname and a newline.
 * - hosts: `--add-host` entries first (the first match wins, so they override), then
 *   localhost on 127.0.0.1 and ::1, and the hostname on both so it resolves without a
 *   network; with `--network host`, the host's own /etc/hosts plus the hostname.
 * - resolv.conf: with `--network host`, the host's verbatim. Otherwise the host's without
 *   nameservers on loopback (127.0.0.0/8, ::1): in a new network namespace loopback is the
 *   container's own, where no resolver listens. When the host runs systemd-resolved's stub
 *   (127.0.0.53), its upstream list in /run/systemd/resolve/resolv.conf is used, as podman
 *   does. If nothing is left, the file has no nameserver line: no resolver is better than
 *   a made-up one.
 */
import { randomBytes } from '../random.js';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { InitFilePaths } from './default-mounts.js';
import { extraHostLines } from './extra-hosts.js';
import type { NetworkMode } from './options.js';

/**
 * RFC 1123 labels joined by dots, at most 64 bytes (the kernel's HOST_NAME_MAX). Checked
 * because the hostname is written into /etc/hosts, where a newline would add entries.
 */
export function validateHostname(hostname: string): string {
  if (hostname.length === 0 || hostname.length > 64 || !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(hostname)) {
    throw new InvalidArgumentError(`invalid hostname ${JSON.stringify(hostname)}: expected letters, digits, dashes and dots, at most 64 characters`);
  }
  return hostname;
}

export function hostnameFile(hostname: string): string {
  return `${validateHostname(hostname)}\n`;
}

/** What the generated files depend on in the container's configuration. */
export interface InitFileOptions {
  hostname: string;
  network: NetworkMode;
  /** `--add-host` values. */
  extraHosts?: readonly string[] | undefined;
}

export function hostsFile(container: InitFileOptions, hostHosts = ''): string {
  return extraHostLines(container.extraHosts ?? []) + baseHostsFile(container.hostname, container.network, hostHosts);
}

function baseHostsFile(hostname: string, network: NetworkMode, hostHosts: string): string {
  validateHostname(hostname);
  if (network === 'host') {
    const base = hostHosts === '' || hostHosts.endsWith('\n') ? hostHosts : `${hostHosts}\n`;
    return hostsNames(base).has(hostname) ? base : `${base}127.0.0.1\t${hostname}\n`;
  }
  return [
    '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4',
    '::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6',
    `127.0.0.1\t${hostname}`,
    `::1\t${hostname}`,
    '',
  ].join('\n');
}

function hostsNames(hosts: string): Set<string> {
  const names = new Set<string>();
  for (const line of hosts.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    for (const name of fields.slice(1)) names.add(name);
  }
  return names;
}

const LOOPBACK_NAMESERVER = /^\s*nameserver\s+(127\.\d+\.\d+\.\d+|::1)\s*$/;

export function resolvConfFile(hostResolvConf: string, network: NetworkMode): string {
  if (network === 'host') return hostResolvConf;
  const kept = hostResolvConf.split('\n').filter((line) => !LOOPBACK_NAMESERVER.test(line));
  const text = kept.join('\n');
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** Whether every nameserver of a resolv.conf is on loopback (a local stub resolver). */
export function onlyLoopbackNameservers(resolvConf: string): boolean {
  const nameservers = resolvConf.split('\n').filter((line) => /^\s*nameserver\s/.test(line));
  return nameservers.length > 0 && nameservers.every((line) => LOOPBACK_NAMESERVER.test(line));
}

export interface HostNetworkFiles {
  /** The host's /etc/hosts. */
  hosts: string;
  /** The host's /etc/resolv.conf. */
  resolvConf: string;
  /** systemd-resolved's upstream list, /run/systemd/resolve/resolv.conf, when present. */
  resolvedUpstream?: string;
}

export async function readHostNetworkFiles(root = '/'): Promise<HostNetworkFiles> {
  const files: HostNetworkFiles = {
    hosts: (await readOptional(join(root, 'etc/hosts'))) ?? '',
    resolvConf: (await readOptional(join(root, 'etc/resolv.conf'))) ?? '',
  };
  const upstream = await readOptional(join(root, 'run/systemd/resolve/resolv.conf'));
  if (upstream !== undefined) files.resolvedUpstream = upstream;
  return files;
}

export interface InitFileContents {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export function initFileContents(container: InitFileOptions, host: HostNetworkFiles): InitFileContents {
  const { hostname, network } = container;
  const useUpstream = network !== 'host' && host.resolvedUpstream !== undefined && onlyLoopbackNameservers(host.resolvConf);
  return {
    hostname: hostnameFile(hostname),
    hosts: hostsFile(container, host.hosts),
    resolvConf: resolvConfFile(useUpstream ? (host.resolvedUpstream ?? '') : host.resolvConf, network),
  };
}

/**
 * Writes hostname, hosts and resolv.conf into `dir` (the container's run directory), each
 * through a temporary name and rename(2), so a bind mount never sees a half-written file.
 * Mode 0644: programs run as any user read them.
 */
export async function writeInitFiles(dir: string, container: InitFileOptions, host?: HostNetworkFiles): Promise<InitFilePaths> {
  const contents = initFileContents(container, host ?? (await readHostNetworkFiles()));
  const paths: InitFilePaths = { hostname: join(dir, 'hostname'), hosts: join(dir, 'hosts'), resolvConf: join(dir, 'resolv.conf') };
  await writeAtomically(paths.hostname, contents.hostname);
  await writeAtomically(paths.hosts, contents.hosts);
  await writeAtomically(paths.resolvConf, contents.resolvConf);
  return paths;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(temp, text, { mode: 0o644, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
