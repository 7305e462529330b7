/**
 * Layer blob to directory, in one streaming pass:
 *
 *   blob ─► sha256 (layer digest) ─► gunzip if gzip ─► sha256 (diffID) ─► tar parser ─► tree
 *
 * `unpackLayer` makes a new layer directory for overlay snapshots. It unpacks into a
 * staging directory beside the target and renames it into place only once every entry is
 * written, the digests match what the caller expected, and (by default) the data is on
 * disk; so the target path holds a whole verified layer or nothing, even after kill -9 or
 * a power cut. A refused entry, a digest mismatch or any other failure removes the staging
 * directory. Leftovers of killed processes are removed by `removeStaleUnpacks`.
 *
 * `applyLayer` applies a layer onto an existing rootfs in place, deleting what whiteouts
 * name: for copy snapshots and flattening. It cannot be undone part way, so on failure the
 * caller discards the tree (build it in a directory of its own, rename when done).
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Digester, validateDigest, type Digest } from '../content/digest.js';
import { AlreadyExistsError, CorruptError, fromSystemError, InvalidArgumentError } from '../errors.js';
import { decompressLayer, type LayerCompression, type LayerTaps } from './compression.js';
import { fsyncDirectory } from '../content/fsync.js';
import { EntryRefusal } from './entry-path.js';
import { applyEntry } from './layer-entry.js';
import { OPAQUE_XATTR, RootOverlayMarkers, USER_OPAQUE_XATTR } from './overlay-markers.js';
import { syncFilesystem } from './system-tools.js';
import { EntryFailure, readTarEntries } from './tar-reader.js';
import { LayerTree, type WhiteoutMode } from './tree.js';

export interface ExpectedLayer {
  /** The layer descriptor's digest: of the blob as stored, compressed or not. */
  digest?: Digest | string | undefined;
  /** The image config's `rootfs.diff_ids` entry: of the uncompressed tar. */
  diffId?: Digest | string | undefined;
}

export interface UnpackOptions {
  /** Verified before the layer becomes visible; the digest also names the layer in errors. */
  expected?: ExpectedLayer;
  /** unpackLayer only. 'overlay' (default): overlayfs whiteouts. 'delete': drop them. */
  whiteouts?: WhiteoutMode;
  /** Keep the entries' uid/gid. Default: when running as root. */
  preserveOwner?: boolean;
  /** unpackLayer only. Flush the layer to disk before renaming it into place. Default true. */
  sync?: boolean;
  /**
   * A rootless store, unpacked as root of the user's namespace: opaque directories get
   * user.overlay.opaque, and device nodes (which no user namespace may create) are left
   * out, as podman does rootless.
   */
  userNamespace?: boolean;
  /** With userNamespace: entries of ids the namespace does not map stay the caller's. */
  ignoreUnmappedOwners?: boolean;
}

export interface UnpackResult {
  /** sha256 of the blob as read: compare with the manifest's layer descriptor. */
  digest: Digest;
  size: number;
  /** sha256 of the uncompressed tar: compare with the config's `rootfs.diff_ids`. */
  diffId: Digest;
  uncompressedSize: number;
  compression: Exclude<LayerCompression, 'zstd'>;
}

/** A Readable (such as ContentStore.readStream), an async generator, or chunks in memory. */
export type LayerBlob = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const STAGING_MARK = '.unpack-';

/** Unpacks `blob` into the new directory `target`, which must not exist. */
export async function unpackLayer(blob: LayerBlob, target: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const expected = validateExpected(options.expected);
  const what = describeLayer(expected, target);
  if (await exists(target)) throw new AlreadyExistsError(`layer directory ${target} already exists`);
  const parent = dirname(target);
  let staging: string | undefined;
  try {
    await mkdir(parent, { recursive: true });
    staging = await mkdtemp(join(parent, `.${basename(target)}${STAGING_MARK}`));
    const root = join(staging, 'root');
    await mkdir(root);
    // The layer root is the container's `/` unless the layer has a `./` entry: never let a
    // strict umask make it unreadable.
    await chmod(root, 0o755);
    const whiteouts = options.whiteouts ?? 'overlay';
    const tree = new LayerTree(root, {
      whiteouts,
      // The whiteout device lives in the staging directory, beside the root, not in it.
      markers: whiteouts === 'overlay' ? new RootOverlayMarkers(staging, options.userNamespace ? USER_OPAQUE_XATTR : OPAQUE_XATTR) : undefined,
      preserveOwner: options.preserveOwner ?? isRoot(),
      skipDeviceNodes: options.userNamespace ?? false,
      ignoreUnmappedOwners: options.ignoreUnmappedOwners ?? false,
    });
    const result = await extract(blob, tree, expected, what);
    const durable = options.sync ?? true;
    if (durable) await syncFilesystem(root);
    await renameIntoPlace(root, target);
    if (durable) await fsyncDirectory(parent);
    return result;
  } catch (err) {
    throw fromSystemError(err, `unpacking ${what} into ${target}`);
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

/** Applies `blob` onto the existing tree `root`, whiteouts deleting lower files. */
export async function applyLayer(blob: LayerBlob, root: string, options: Omit<UnpackOptions, 'whiteouts' | 'sync'> = {}): Promise<UnpackResult> {
  const expected = validateExpected(options.expected);
  const what = describeLayer(expected, root);
  // The root is the caller's own path (a running rootless container's is the /proc/PID/root
  // link, followed here); below it, the tree never follows a symlink.
  const rootStats = await stat(root).catch((err: unknown) => {
    throw fromSystemError(err, `applying ${what}`);
  });
  if (!rootStats.isDirectory()) throw new InvalidArgumentError(`cannot apply ${what}: ${root} is not a directory`);
  const tree = new LayerTree(root, { whiteouts: 'delete', preserveOwner: options.preserveOwner ?? isRoot() });
  try {
    return await extract(blob, tree, expected, what);
  } catch (err) {
    throw fromSystemError(err, `applying ${what} onto ${root}`);
  }
}

/**
 * Removes staging directories that killed unpacks left in `parent`, untouched for
 * `olderThanMs`. Returns how many were removed.
 */
export async function removeStaleUnpacks(parent: string, olderThanMs: number): Promise<number> {
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  const names = await readdir(parent).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  for (const name of names) {
    if (!name.startsWith('.') || !name.includes(STAGING_MARK)) continue;
    const path = join(parent, name);
    const st = await stat(path).catch(() => undefined);
    if (!st || st.mtimeMs > cutoff) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

async function extract(blob: LayerBlob, tree: LayerTree, expected: VerifiedExpectation, what: string): Promise<UnpackResult> {
  const taps: LayerTaps = { blob: new Digester(), diff: new Digester() };
  const tar = decompressLayer(blob, taps, what);
  try {
    await readTarEntries(tar, what, (entry) => applyEntry(tree, entry));
  } catch (err) {
    throw err instanceof EntryFailure ? entryError(err.cause, what, err.entryPath) : err;
  }
  await tree.finish();
  const result: UnpackResult = {
    digest: taps.blob.digest(),
    size: taps.blob.size,
    diffId: taps.diff.digest(),
    uncompressedSize: taps.diff.size,
    compression: taps.compression === 'gzip' ? 'gzip' : 'none',
  };
  verify(result, expected);
  return result;
}

interface VerifiedExpectation {
  digest?: Digest | undefined;
  diffId?: Digest | undefined;
}

function validateExpected(expected: ExpectedLayer | undefined): VerifiedExpectation {
  return {
    digest: expected?.digest === undefined ? undefined : validateDigest(expected.digest),
    diffId: expected?.diffId === undefined ? undefined : validateDigest(expected.diffId),
  };
}

function verify(result: UnpackResult, expected: VerifiedExpectation): void {
  if (expected.digest && result.digest !== expected.digest) {
    throw new CorruptError(`digest mismatch for ${expected.digest}: got ${result.digest}`);
  }
  if (expected.diffId && result.diffId !== expected.diffId) {
    const layer = expected.digest ? `layer ${expected.digest}` : 'layer';
    throw new CorruptError(`diffID mismatch for ${layer}: the image config says ${expected.diffId}, the layer is ${result.diffId}`);
  }
}

/** Names the layer in messages: its digest when known, else where it was going. */
function describeLayer(expected: VerifiedExpectation, path: string): string {
  return `layer ${expected.digest ?? expected.diffId ?? path}`;
}

function entryError(err: unknown, what: string, entryName: string): unknown {
  if (err instanceof EntryRefusal) return new CorruptError(`${what} entry "${entryName}" ${err.reason}`);
  return fromSystemError(err, `unpacking ${what} entry "${entryName}"`);
}

async function renameIntoPlace(root: string, target: string): Promise<void> {
  try {
    await rename(root, target);
  } catch (err) {
    // Another process unpacked the same layer first; its copy is as good as ours.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new AlreadyExistsError(`layer directory ${target} already exists`, { cause: err });
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function isRoot(): boolean {
  return process.geteuid?.() === 0;
}
