/**
 * Turning a recorded container into a runnable OCI bundle at start: mount its snapshot,
 * resolve the user inside the image, write /etc/hostname, hosts and resolv.conf, and
 * write config.json. A plain bundle: `runc run --bundle <dir>` works on it without tpod.
 */
import { mkdir } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import type { ImageConfig } from '../oci/types.js';
import { buildRuntimeSpec, resolveUser, writeBundle, writeInitFiles } from '../spec/index.js';
import type { RuntimeSpec } from '../spec/types.js';
import type { ContainerRecord } from './store.js';

export interface PreparedBundle {
  dir: string;
  rootfs: string;
  spec: RuntimeSpec;
}

export async function prepareBundle(engine: Engine, container: ContainerRecord, cgroupsPath: string): Promise<PreparedBundle> {
  const paths = engine.containerPaths(container.id);
  const rootfs = await engine.snapshots(container.config.storageDriver).mount(container.id);
  const image = engine.images.get(container.imageId);
  const imageConfig: ImageConfig = image.config;
  const options = container.config.spec;
  const user = await resolveUser(rootfs, options.user ?? imageConfig.config?.User);
  const hostname = options.hostname ?? container.id.slice(0, 12);
  await mkdir(paths.userdata, { recursive: true, mode: 0o700 });
  const initFiles = await writeInitFiles(paths.userdata, hostname, options.network);
  const spec = buildRuntimeSpec(imageConfig, { ...options, hostname, cgroupsPath }, { rootfs, initFiles, user });
  await writeBundle(paths.bundle, spec);
  return { dir: paths.bundle, rootfs, spec };
}
