/**
 * The data string of an overlay mount, and how it is kept inside one page.
 *
 * Kernel Documentation/filesystems/overlayfs.rst:
 *   - "Multiple lower layers": `lowerdir=/lower1:/lower2:/lower3` stacks "beginning from
 *     the rightmost one and going left": the FIRST entry is the TOP layer. Image layers
 *     come bottom first (image config order), so they are reversed here.
 *   - Options besides the three directories, both accepted since Linux 4.19 and pinned so
 *     a distro's build-time or module defaults (CONFIG_OVERLAY_FS_INDEX, _METACOPY, or
 *     overlay.index=Y) cannot change behaviour:
 *       index=off     "Inodes index": with it on, the upper records the origin of lower
 *                     files and refuses (ESTALE) a later mount over different lowers, and
 *                     shared lowers hit EBUSY (moby#37970, the reason docker pins it too);
 *       metacopy=off  "Metadata only copy up": with it on, a chmod copies up metadata only
 *                     and the upper file points at lower data, so the upper stops being a
 *                     self-contained diff (usage(), a future commit/diff read it alone).
 *     Nothing else: redirect_dir, xino, uuid keep the kernel's defaults.
 *
 * mount(2) copies at most one page of data (PAGE_SIZE, 4096 on x86-64 and the minimum
 * anywhere) and overlay then sees a truncated string: a cut lowerdir "fails to resolve"
 * and a cut workdir mounts over the wrong directory. So the length is checked here, never
 * left to the kernel. Shorter spellings, tried in order (containers/storage's approach):
 *   1. run mount in `<root>/layers` and name layers relative to it: `<hex>` (65 bytes each);
 *   2. run mount in `<root>/layers/l` and name layers by short symlinks (9 bytes each).
 */
import { relative, sep } from 'node:path';
import { InvalidArgumentError, ResourceExhaustedError } from '../errors.js';
import { ensureLayerLinks, layerLinksDir } from './layer-links.js';

/** One page minus the terminating NUL. */
export const MOUNT_DATA_MAX = 4095;
/** overlayfs' OVL_MAX_STACK. */
export const MAX_LOWER_LAYERS = 500;
export const OVERLAY_FEATURE_OPTIONS: readonly string[] = ['index=off', 'metacopy=off'];

export interface OverlayMountPlan {
  /** Working directory for mount(8): relative lowerdirs resolve against it. */
  cwd: string;
  /** The mount data string, at most MOUNT_DATA_MAX bytes. */
  options: string;
  /** How lowers are spelled in `options`. */
  lowerNames: 'absolute' | 'relative' | 'links';
}

/** `lowerdir=…,upperdir=…,workdir=…,index=off,metacopy=off` with `lowers` given bottom first. */
export function overlayMountData(lowersBottomFirst: readonly string[], upper: string, work: string): string {
  const lowerdir = [...lowersBottomFirst].reverse().join(':');
  return [`lowerdir=${lowerdir}`, `upperdir=${upper}`, `workdir=${work}`, ...OVERLAY_FEATURE_OPTIONS].join(',');
}

/**
 * ',' separates options and ':' lowerdirs; the kernel's backslash escapes differ between
 * its legacy and fs_context parsers, so such paths are refused rather than escaped.
 */
export function assertOverlayPath(path: string): void {
  if (/[,:\\\n]/.test(path)) {
    throw new InvalidArgumentError(`overlay cannot use a path containing ",", ":", "\\" or a newline: ${path}`, {
      hint: 'choose a --root without those characters, or use --storage-driver vfs',
    });
  }
}

/** Picks the shortest-needed spelling of the lowers that fits in one page. */
export async function planOverlayMount(
  layersRoot: string,
  lowersBottomFirst: readonly string[],
  upper: string,
  work: string,
): Promise<OverlayMountPlan> {
  assertOverlayInputs(lowersBottomFirst, upper, work);
  const relativeNames = lowersBottomFirst.map((lower) => relativeIfInside(layersRoot, lower));
  const direct = overlayMountData(relativeNames, upper, work);
  if (byteLength(direct) <= MOUNT_DATA_MAX) {
    const lowerNames = relativeNames.every((name) => name.startsWith('/')) ? 'absolute' : 'relative';
    return { cwd: layersRoot, options: direct, lowerNames };
  }
  const linkNames = await ensureLayerLinks(layersRoot, lowersBottomFirst);
  const linked = overlayMountData(linkNames, upper, work);
  if (byteLength(linked) <= MOUNT_DATA_MAX) return { cwd: layerLinksDir(layersRoot), options: linked, lowerNames: 'links' };
  throw mountDataTooLong(lowersBottomFirst.length, linked, 'use a shorter --root path, or --storage-driver vfs');
}

/** What every overlay mount must satisfy whatever the spelling: layer count, path characters. */
export function assertOverlayInputs(lowersBottomFirst: readonly string[], upper: string, work: string): void {
  if (lowersBottomFirst.length > MAX_LOWER_LAYERS) {
    throw new ResourceExhaustedError(`overlay takes at most ${MAX_LOWER_LAYERS} layers, the image has ${lowersBottomFirst.length}`);
  }
  for (const path of [...lowersBottomFirst, upper, work]) assertOverlayPath(path);
}

export function mountDataTooLong(layers: number, data: string, hint: string): ResourceExhaustedError {
  return new ResourceExhaustedError(`overlay mount options for ${layers} layers need ${byteLength(data)} bytes, the kernel takes ${MOUNT_DATA_MAX}`, { hint });
}

/** `lower` relative to `dir` when inside it (shorter), else unchanged. */
function relativeIfInside(dir: string, lower: string): string {
  const rel = relative(dir, lower);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' ? rel : lower;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
