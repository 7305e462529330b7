/**
 * `tpod export`: the container's filesystem (image layers plus its writes) as one tar
 * stream, read through the mounted snapshot so whiteouts are already applied (rootless:
 * run again in the user's namespace first, containers/rootless-files.ts).
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Engine } from '../engine.js';
import { tarOfContents } from './contents-tar.js';

export async function exportContainer(engine: Engine, nameOrId: string, out: Writable): Promise<void> {
  const container = engine.containers.get(nameOrId);
  const snapshots = engine.snapshots(container.config.storageDriver);
  const wasMounted = await snapshots.isMounted(container.id);
  const rootfs = await snapshots.mount(container.id);
  try {
    await pipeline(await tarOfContents(rootfs), out);
  } finally {
    if (!wasMounted && container.state !== 'running' && container.state !== 'paused') await snapshots.unmount(container.id);
  }
}
