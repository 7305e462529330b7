/**
 * `tpod cp`: files between a container and the host, either way, as `podman cp`:
 * `CONTAINER:SRC DEST` or `SRC CONTAINER:DEST`; into a directory when DEST is one, else
 * under DEST's name. The container's snapshot is mounted for the copy if it is not running.
 * Container → host copies symlinks as symlinks (never follows them out of the container);
 * host → container goes through the layer applier (no writes through symlinks). A host
 * side of `-` is a tar stream, as podman's: `cp CTR:PATH -` writes one to stdout, and
 * `cp - CTR:DIR` unpacks one from stdin into a directory.
 */
import { execFileAsync } from '../exec-file.js';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { create as createTar } from 'tar';
import type { Engine } from '../engine.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { applyLayer } from '../layers/index.js';
import { namespaceUser } from '../rootless/namespace-user.js';
import { resolveUser } from '../spec/index.js';
import { tarOfContents } from './contents-tar.js';
import { resolveInRootfs } from './rootfs-path.js';
import type { ContainerRecord } from './store.js';


export interface Endpoint {
  container?: ContainerRecord;
  path: string;
}

export interface CopyRequest {
  /** The container the copy reads or writes: exactly one side names one. */
  container: ContainerRecord;
  from: Endpoint;
  to: Endpoint;
}

/** `SRC DEST` as `tpod cp` takes them, checked. */
export function parseCopy(engine: Engine, source: string, destination: string): CopyRequest {
  const from = parseEndpoint(engine, source);
  const to = parseEndpoint(engine, destination);
  if (from.container && to.container) throw new InvalidArgumentError('copying between containers is not supported');
  if (!from.container && !to.container) throw new InvalidArgumentError(`one of "${source}" and "${destination}" must be CONTAINER:PATH`);
  return { container: (from.container ?? to.container)!, from, to };
}

/** The host's ends of a `-` copy. */
export interface CopyStreams {
  stdin: NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
  stdout: NodeJS.WritableStream;
}

export async function copyFiles(engine: Engine, { container, from, to }: CopyRequest, streams?: CopyStreams): Promise<void> {
  const snapshots = engine.snapshots(container.config.storageDriver);
  const wasMounted = await snapshots.isMounted(container.id);
  const rootfs = await snapshots.mount(container.id);
  try {
    if (from.container && to.path === '-' && streams) await copyOutAsTar(rootfs, from.path, streams.stdout);
    else if (from.container) await copyOut(rootfs, from.path, to.path);
    else if (from.path === '-' && streams) await copyInFromTar(rootfs, streams.stdin, to.path, await primaryUser(engine, container, rootfs));
    else await copyIn(rootfs, from.path, to.path, await primaryUser(engine, container, rootfs));
  } finally {
    if (!wasMounted) await snapshots.unmount(container.id).catch(() => undefined);
  }
}

function parseEndpoint(engine: Engine, value: string): Endpoint {
  const colon = value.indexOf(':');
  if (colon > 0 && !value.slice(0, colon).includes('/')) {
    const name = value.slice(0, colon);
    const container = engine.containers.find(name);
    if (!container) throw new NotFoundError(`no container with name or ID "${name}" found: no such container`);
    return { container, path: value.slice(colon + 1) || '/' };
  }
  return { path: value };
}

/** The path resolved inside the root filesystem; a one-line error when it is not there. */
async function existingInRootfs(rootfs: string, containerPath: string): Promise<string> {
  const resolved = await resolveInRootfs(rootfs, containerPath);
  await stat(resolved).catch(() => {
    throw new NotFoundError(`"${containerPath}" could not be found in the container: no such file or directory`);
  });
  return resolved;
}

async function copyOut(rootfs: string, containerPath: string, hostPath: string): Promise<void> {
  const resolved = await existingInRootfs(rootfs, containerPath);
  // -a keeps modes, owners and symlinks as links; -T never treats DEST as a directory to descend.
  // Rootless (as root of the user's namespace), the copies belong to the user, as podman's.
  const target = (await isDirectory(hostPath)) ? join(hostPath, basename(resolved)) : hostPath;
  await execFileAsync('cp', ['-a', ...(namespaceUser() ? ['--no-preserve=ownership'] : []), '-T', '--', resolved, target]);
}

/**
 * Whom copied-in files belong to, as podman's default (--archive): the container's user
 * (its --user, else the image's), resolved in its own /etc/passwd; root when none is set.
 */
async function primaryUser(engine: Engine, container: ContainerRecord, rootfs: string): Promise<{ uid: number; gid: number }> {
  const spec = container.config.spec.user ?? engine.images.find(container.imageId)?.config.config?.User;
  const { uid, gid } = await resolveUser(rootfs, spec);
  return { uid, gid };
}

/** `cp CTR:PATH -`: PATH (a file, or a directory and what it holds) as a tar stream. */
async function copyOutAsTar(rootfs: string, containerPath: string, out: NodeJS.WritableStream): Promise<void> {
  const resolved = await existingInRootfs(rootfs, containerPath);
  // The root itself: what it holds, as export.
  const tar = resolved === rootfs ? await tarOfContents(rootfs) : createTar({ cwd: dirname(resolved), portable: false }, [basename(resolved)]);
  await pipeline(tar, out);
}

async function copyIn(rootfs: string, hostPath: string, containerPath: string, owner: Owner): Promise<void> {
  await stat(hostPath).catch(() => {
    throw new NotFoundError(`"${hostPath}" could not be found on the host: no such file or directory`);
  });
  const resolved = await resolveInRootfs(rootfs, containerPath);
  const intoDirectory = await isDirectory(resolved);
  const parent = intoDirectory ? resolved : await resolveInRootfs(rootfs, dirname(containerPath));
  if (!(await isDirectory(parent))) throw new NotFoundError(`"${dirname(containerPath)}" could not be found in the container: no such directory`);
  const name = intoDirectory ? basename(hostPath) : basename(containerPath);
  // Staged under the final name so the archive's entries are exactly what lands in `parent`.
  await throughStaging(parent, owner, async (staging) => {
    await execFileAsync('cp', ['-a', '-T', '--', hostPath, join(staging, name)]);
  });
}

/** `cp - CTR:DIR`: a tar stream from stdin, unpacked into DIR (which must exist, as podman's). */
async function copyInFromTar(rootfs: string, tar: AsyncIterable<Uint8Array>, containerPath: string, owner: Owner): Promise<void> {
  const resolved = await resolveInRootfs(rootfs, containerPath);
  if (!(await isDirectory(resolved))) throw new InvalidArgumentError(`"${containerPath}" must be a directory in the container to copy a tar stream into`);
  // The stream is untrusted: the layer applier refuses paths out of the staging directory.
  await throughStaging(resolved, owner, (staging) => applyLayer(tar, staging).then(() => undefined));
}

type Owner = { uid: number; gid: number };

/**
 * Files `fill` puts in a host staging directory go into the container's directory
 * `parent`, owned by `owner` (podman's --archive default), through the layer applier.
 */
async function throughStaging(parent: string, owner: Owner, fill: (staging: string) => Promise<void>): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'tpod-cp-'));
  try {
    await fill(staging);
    const names = await readdir(staging);
    if (names.length === 0) return;
    await execFileAsync('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, '--', ...names.map((name) => join(staging, name))]);
    await applyLayer(createTar({ cwd: staging, portable: false }, names), parent);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}
