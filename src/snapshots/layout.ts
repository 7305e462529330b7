/**
 * Where a container's snapshot lives, derived from the store root and the container id
 * alone, so any later tpod process finds it again:
 *
 *   <root>/layers/<chain-id-hex>/        image layers, read only (unpacked by src/layers)
 *   <root>/layers/l/<short>              short symlinks to layers, for long lowerdir lists
 *   <root>/containers/<id>/snapshot/
 *     snapshot.json                      driver and lower layers; written last (see state.ts)
 *     upper/  work/                      overlay: the container's writes, overlay scratch
 *     merged/                            the root filesystem the runtime sees
 *
 * `merged` is the only path a snapshot driver ever unmounts: every unmount target is built
 * here from a validated id, never taken from the mount table or a caller.
 */
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

export interface SnapshotLayout {
  id: string;
  /** <root>/containers/<id>/snapshot */
  dir: string;
  upper: string;
  work: string;
  merged: string;
  /** An empty lower for images without layers (overlayfs needs at least one lowerdir). */
  emptyLower: string;
  stateFile: string;
}

// Podman's ids are 64 hex digits; names are not ids. One path component, never "." or "..".
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function layersDir(root: string): string {
  return join(root, 'layers');
}

export function containersDir(root: string): string {
  return join(root, 'containers');
}

export function assertContainerId(id: string): void {
  if (!CONTAINER_ID.test(id)) throw new InvalidArgumentError(`invalid container id for a snapshot: "${id}"`);
}

export function snapshotLayout(root: string, id: string): SnapshotLayout {
  assertContainerId(id);
  return layoutAt(join(containersDir(root), id, 'snapshot'), id);
}

/** The same shape at any directory. */
export function layoutAt(dir: string, id: string): SnapshotLayout {
  return {
    id,
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    merged: join(dir, 'merged'),
    emptyLower: join(dir, 'empty'),
    stateFile: join(dir, 'snapshot.json'),
  };
}
