/**
 * A failed overlay mount in tpod's words: which driver, which path, and why in the
 * kernel's own message (overlayfs logs the reason; mount(2) returns only an errno).
 * No fallback to another driver happens here or anywhere: as with podman, a store's driver
 * is the user's choice, and silently copying layers would hide a broken kernel setup.
 */
import { stat } from 'node:fs/promises';
import { NotFoundError, PermissionDeniedError, ConflictError, TpodError, UnavailableError } from '../errors.js';
import { kernelMessagesSince } from './kernel-log.js';
import type { MountCommandError } from './mounter.js';

const VFS_HINT = 'use --storage-driver vfs to run without overlayfs';
const OVERLAY_KERNEL_MESSAGE = /^overlay(fs)?:/;

export interface FailedOverlayMount {
  target: string;
  /** Layer directories of the mount, to name a missing one. */
  lowers: readonly string[];
  /** kernelLogClock() taken before the mount was attempted. */
  startedUsec: bigint;
}

export async function explainOverlayFailure(err: MountCommandError, mount: FailedOverlayMount): Promise<TpodError> {
  const kernel = kernelMessagesSince(mount.startedUsec, OVERLAY_KERNEL_MESSAGE);
  // The newest: with the clock skew allowance an earlier failure's message may be in range.
  const reason = kernel.at(-1) ?? err.detail;
  const options = { cause: err };
  if (err.failure === 'no-device') {
    return new UnavailableError(`overlay driver: the kernel does not support overlayfs: ${err.detail}`, {
      ...options,
      hint: `load it (modprobe overlay), or ${VFS_HINT}`,
    });
  }
  const missing = await firstMissingDirectory(mount.lowers);
  if (missing !== undefined) {
    return new NotFoundError(`overlay driver: layer directory missing: ${missing}`, {
      ...options,
      hint: 'the image is incomplete: remove it and pull it again',
    });
  }
  switch (err.failure) {
    case 'invalid':
      return new UnavailableError(`overlay driver: the kernel refused to mount ${mount.target}: ${reason}`, { ...options, hint: VFS_HINT });
    case 'permission':
      return new PermissionDeniedError(`overlay driver: not permitted to mount ${mount.target}: ${reason}`, { ...options, hint: VFS_HINT });
    case 'busy':
      return new ConflictError(`overlay driver: ${mount.target} is busy: ${reason}`, options);
    default:
      return new TpodError('internal', `overlay driver: mounting ${mount.target} failed: ${reason}`, options);
  }
}

async function firstMissingDirectory(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    const isDirectory = await stat(path).then((stats) => stats.isDirectory(), () => false);
    if (!isDirectory) return path;
  }
  return undefined;
}
