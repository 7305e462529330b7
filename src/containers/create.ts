/**
 * `tpod create`: resolve the image (pulling per --pull), prepare the container's snapshot
 * over the image's layers, and record the container. The snapshot comes first and the
 * record last, so a kill -9 in between leaves only a snapshot without a record, which
 * `container prune` and `rm` collect; never a record whose filesystem is missing.
 */
import { mkdir } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { findLocalImage } from '../images/lookup.js';
import type { PullOptions } from '../images/pull.js';
import type { ImageRecord } from '../images/store.js';
import type { ContainerConfig } from './config.js';
import { newContainerId, uniqueContainerName, validateContainerName } from './ids.js';
import type { ContainerRecord } from './store.js';
import { removeContainer } from './remove.js';
import { createDone, markCreating } from './orphans.js';
import { bindNamedVolume, type VolumeMountRequest } from '../spec/index.js';
import { createVolume } from '../volumes/store.js';
import { effectiveResources } from './resource-policy.js';
import { containerLabels } from '../labels.js';

export type PullPolicy = 'always' | 'missing' | 'never' | 'newer';

export interface CreateRequest {
  image: string;
  name?: string | undefined;
  replace?: boolean;
  pull: PullPolicy;
  pullOptions?: PullOptions;
  config: ContainerConfig;
  /** `-v NAME:/path` and `-v /path`: resolved (created if missing) into bind mounts. */
  volumeMounts?: VolumeMountRequest[];
  /** The container starts right after (`run`): the snapshot may stay mounted. */
  startsNext?: boolean;
}

export async function createContainer(engine: Engine, request: CreateRequest): Promise<ContainerRecord> {
  const name = request.name ? validateContainerName(request.name) : uniqueContainerName((candidate) => engine.containers.find(candidate) !== undefined);
  if (request.replace && request.name && engine.containers.find(request.name)) {
    await removeContainer(engine, request.name, { force: true, timeoutSeconds: 0 });
  }
  request.config.spec.resources = effectiveResources(engine, request.config.spec.resources);
  // The driver before the image: a driver that cannot be used must not cost a pull.
  if (!request.config.storageDriver) request.config.storageDriver = await engine.defaultStorageDriver();
  const snapshots = engine.snapshots(request.config.storageDriver);
  const image = await resolveImage(engine, request);
  request.config.labels = containerLabels(image.config.config?.Labels, request.config.labels);
  await resolveVolumes(engine, request);
  const id = newContainerId();
  await mkdir(engine.containerPaths(id).dir, { recursive: true, mode: 0o700 });
  await markCreating(engine, id);
  await snapshots.prepare(id, image.layers.map((chainId) => engine.layerDir(chainId)), { keepMounted: request.startsNext === true });
  try {
    const record = engine.containers.insert({ id, name, imageId: image.id, imageName: image.names[0] ?? image.id, config: request.config });
    await createDone(engine, id);
    return record;
  } catch (err) {
    await snapshots.remove(id).catch(() => undefined);
    throw err;
  }
}

/** Named volumes are created on first use and anonymous ones made per container, as podman. */
async function resolveVolumes(engine: Engine, request: CreateRequest): Promise<void> {
  const config = request.config;
  for (const mount of request.volumeMounts ?? []) {
    const volume = await createVolume(engine, mount.name, { anonymous: mount.name === undefined, ignoreExisting: true });
    config.spec.mounts.push(bindNamedVolume(mount, volume.Mountpoint));
    config.volumes = [...(config.volumes ?? []), volume.Name];
    if (volume.Anonymous) config.anonymousVolumes = [...(config.anonymousVolumes ?? []), volume.Name];
  }
}

async function resolveImage(engine: Engine, request: CreateRequest): Promise<ImageRecord> {
  const local = request.pull === 'always' ? undefined : findLocalImage(engine, request.image);
  if (local) return local;
  if (request.pull === 'never') {
    throw new NotFoundError(`${request.image}: image not known`, { hint: 'pull it first, or use --pull=missing' });
  }
  if (!request.image) throw new InvalidArgumentError('an image name is required');
  // Loaded only when needed: the registry client and layer unpacker cost start-up time.
  const { pullImage } = await import('../images/pull.js');
  return pullImage(engine, request.image, request.pullOptions ?? {});
}
