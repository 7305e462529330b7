/**
 * How a layer directory records deletions so overlayfs honours them when it is a lowerdir
 * (kernel Documentation/filesystems/overlayfs.rst, "whiteouts and opaque directories"):
 *   - a whiteout is a character device 0/0 at the deleted name;
 *   - an opaque directory carries the xattr `trusted.overlay.opaque=y` and hides every
 *     lower directory of the same name.
 * Both need root (CAP_MKNOD, the trusted.* namespace). Rootless overlay (kernel >= 5.11,
 * mount option `userxattr`) uses `user.overlay.*` instead: that is a second implementation
 * of `OverlayMarkers`, and nothing else in the unpacker changes.
 */
import { linkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { mknod, setXattr } from './system-tools.js';

export interface OverlayMarkers {
  /** Creates a whiteout at `absPath`, where nothing exists. */
  whiteout(absPath: string): Promise<void>;
  /** Marks directories opaque; called once per layer, after every entry is written. */
  markOpaque(absDirs: readonly string[]): Promise<void>;
  /** Whether an existing node is one of this layer's whiteouts. */
  isWhiteout(stats: Stats): boolean;
}

export const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Rootless overlay's (mount option `userxattr`): settable by the owner in a user namespace. */
export const USER_OPAQUE_XATTR = 'user.overlay.opaque';

/**
 * Root's markers. Node cannot mknod, and one `mknod` process per whiteout would cost a
 * millisecond each (layers that `rm -rf` a tree carry thousands), so the layer gets a
 * single whiteout device, made in `workDir` (beside the layer, same filesystem), and every
 * whiteout is a hard link to it. The kernel checks only the type and device number; it
 * shares whiteouts the same way itself (ovl_whiteout, since Linux 5.8).
 */
export class RootOverlayMarkers implements OverlayMarkers {
  readonly #workDir: string;
  readonly #opaqueXattr: string;
  #template: string | undefined;
  #templates = 0;

  /**
   * `opaqueXattr`: USER_OPAQUE_XATTR for layers of a rootless store (unpacked as root of
   * the user's namespace, where a 0/0 whiteout device may be made since Linux 5.8 but
   * trusted.* xattrs may not be set).
   */
  constructor(workDir: string, opaqueXattr: string = OPAQUE_XATTR) {
    this.#workDir = workDir;
    this.#opaqueXattr = opaqueXattr;
  }

  async whiteout(absPath: string): Promise<void> {
    const template = this.#template ?? (await this.#newTemplate());
    try {
      linkSync(template, absPath); // synchronous, as the rest of the tree (see tree.ts)
    } catch (err) {
      // EMLINK: the inode's link limit (65000 on ext4, far fewer per directory on btrfs).
      if ((err as NodeJS.ErrnoException).code !== 'EMLINK') throw err;
      linkSync(await this.#newTemplate(), absPath);
    }
  }

  async markOpaque(absDirs: readonly string[]): Promise<void> {
    if (absDirs.length > 0) await setXattr(absDirs, this.#opaqueXattr, 'y');
  }

  isWhiteout(stats: Stats): boolean {
    return stats.isCharacterDevice() && stats.rdev === 0;
  }

  async #newTemplate(): Promise<string> {
    const path = join(this.#workDir, `whiteout-${this.#templates++}`);
    await mknod(path, 'character', 0o000, 0, 0);
    this.#template = path;
    return path;
  }
}
