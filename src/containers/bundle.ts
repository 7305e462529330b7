/**
 * Turning a recorded container into a runnable OCI bundle at start: mount its snapshot,
 * resolve the user inside the image, write /etc/hostname, hosts and resolv.conf, and
 * write config.json. A plain bundle: `runc run --bundle <dir>` works on it without tpod.
 */
import { mkdir } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import type { ImageConfig } from '../oci/types.js';
import { buildRuntimeSpec, resolveUser, writeBundle, writeInitFiles } from '../spec/index.js';
import type { IDMapping, RuntimeSpec } from '../spec/types.js';
import { requireIdMapTools } from '../rootless/user-namespace.js';
import type { ContainerRecord } from './store.js';

export interface PreparedBundle {
  dir: string;
  rootfs: string;
  spec: RuntimeSpec;
  /** The process whose namespaces hold the root filesystem (rootless fuse-overlayfs); the runtime runs in them. */
  holder?: { pid: number; enter: string[] };
}

/**
 * `cgroupsPath`: where runc puts the container (inside tpod's scope); undefined rootless,
 * where the container simply stays in the scope the user's manager made (runc cannot
 * create cgroups of its own in an undelegated hierarchy).
 */
export async function prepareBundle(engine: Engine, container: ContainerRecord, cgroupsPath: string | undefined): Promise<PreparedBundle> {
  const paths = engine.containerPaths(container.id);
  const root = await engine.snapshots(container.config.storageDriver).runtimeRoot(container.id);
  const image = engine.images.get(container.imageId);
  const imageConfig: ImageConfig = image.config;
  const options = container.config.spec;
  const user = await resolveUser(root.readFile ?? root.path, options.user ?? imageConfig.config?.User, options.groupAdd);
  const hostname = options.hostname ?? container.id.slice(0, 12);
  await mkdir(paths.userdata, { recursive: true, mode: 0o700 });
  const initFiles = await writeInitFiles(paths.userdata, { hostname, network: options.network, extraHosts: options.extraHosts });
  const specOptions = { ...options, hostname, ...(cgroupsPath === undefined ? {} : { cgroupsPath }), ...rootlessOptions(engine, root.holder !== undefined) };
  const spec = buildRuntimeSpec(imageConfig, specOptions, { rootfs: root.path, rootMount: root.mount, initFiles, user });
  await writeBundle(paths.bundle, spec);
  return { dir: paths.bundle, rootfs: root.path, spec, ...(root.holder ? { holder: root.holder } : {}) };
}

/**
 * Rootless: the container's user namespace maps its root to the user, the rest to
 * subordinate ids. runc makes it, unless the runtime runs inside one with that mapping
 * already (`inHolder`: the namespaces of a fuse-overlayfs mount).
 */
function rootlessOptions(engine: Engine, inHolder: boolean): { uidMappings?: IDMapping[]; gidMappings?: IDMapping[]; runtimeInUserNamespace?: boolean } {
  if (!engine.paths.rootless) return {};
  const mapping = engine.userIdMapping;
  // runc maps subordinate ids with newuidmap/newgidmap: missing, it fails less clearly.
  if (mapping.subordinate) requireIdMapTools();
  return { uidMappings: mapping.uidMappings, gidMappings: mapping.gidMappings, ...(inHolder ? { runtimeInUserNamespace: true } : {}) };
}
