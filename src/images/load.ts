/**
 * `tpod load`: images from a docker-archive or oci-archive (plain or gzip'd tar, a file or
 * stdin) into the store, through the pull pipeline, so a loaded image is verified and
 * recorded exactly as a pulled one.
 *
 *   tar stream → extracted into a private temporary directory under the store (same
 *   filesystem, not a tmpfs that could be too small) → format by content: `manifest.json`
 *   is a docker-archive (docker 25+ archives also carry an OCI layout; manifest.json has
 *   their names), else `index.json` an OCI layout → each image via pullFromSource → the
 *   directory removed.
 *
 * Extraction keeps files, directories and symbolic links only, never owners or devices;
 * node-tar refuses paths that leave the directory, and the docker-archive reader refuses
 * symbolic links that do.
 */
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar';
import type { Engine } from '../engine.js';
import { InvalidArgumentError, TpodError, fromSystemError } from '../errors.js';
import type { Descriptor } from '../oci/types.js';
import { parseReference } from '../reference/reference.js';
import { DockerArchiveSource, parseDockerArchiveManifest } from './docker-archive.js';
import { localName } from './names.js';
import { pullFromSource, type PullProgress } from './pull.js';
import { REF_NAME_ANNOTATION } from './save.js';
import { OciLayoutSource } from './source.js';
import type { ImageRecord } from './store.js';

/** docker 25+ writes the full name here and only the tag in ref.name. */
const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';
const EXTRACTED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);
const LOAD_DIR_PREFIX = 'load-';
/** A load killed with -9 leaves its directory; one untouched this long is no live load's. */
const STALE_LOAD_MS = 24 * 60 * 60 * 1000;

export interface LoadOptions {
  progress?: PullProgress;
  /** For messages: the file name, or "stdin". */
  label?: string;
}

export interface LoadedImage {
  image: ImageRecord;
  /** The names it was loaded under; empty for an unnamed image. */
  names: string[];
}

export async function loadImages(engine: Engine, input: Readable, options: LoadOptions = {}): Promise<LoadedImage[]> {
  const label = options.label ?? 'archive';
  const parent = join(engine.paths.root, 'tmp');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  await removeStaleLoads(parent);
  const dir = await mkdtemp(join(parent, LOAD_DIR_PREFIX));
  try {
    await extractArchive(input, dir, label);
    if (await exists(join(dir, 'manifest.json'))) return await loadDockerArchive(engine, dir, label, options);
    if (await exists(join(dir, 'index.json'))) return await loadOciLayout(engine, dir, label, options);
    throw unsupported(label);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function extractArchive(input: Readable, dir: string, label: string): Promise<void> {
  try {
    await pipeline(
      input,
      extract({
        cwd: dir,
        strict: true,
        preserveOwner: false,
        noChmod: true,
        filter: (_path, entry) => EXTRACTED_TYPES.has((entry as { type?: string }).type ?? ''),
      }),
    );
  } catch (err) {
    if (err instanceof TpodError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code && (code.startsWith('TAR_') || code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR')) {
      throw unsupported(label, (err as Error).message);
    }
    throw fromSystemError(err, `extracting ${label}`);
  }
}

function unsupported(label: string, why?: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${label}: payload does not match any of the supported image formats: oci-archive, docker-archive${why ? ` (${why})` : ''}`,
  );
}

async function loadDockerArchive(engine: Engine, dir: string, label: string, options: LoadOptions): Promise<LoadedImage[]> {
  const entries = parseDockerArchiveManifest(await readFile(join(dir, 'manifest.json'), 'utf8'), `${label}: manifest.json`);
  const loaded: LoadedImage[] = [];
  for (const entry of entries) {
    // docker writes familiar names (busybox:latest): they mean docker.io, as in docker.
    const names = entry.RepoTags.map((tag) => {
      const ref = parseReference(tag);
      return ref.nameWithTag ?? ref.toString();
    });
    const source = new DockerArchiveSource(dir, entry, `docker-archive:${label}`);
    loaded.push(await loadOne(engine, source, names, options));
  }
  return loaded;
}

async function loadOciLayout(engine: Engine, dir: string, label: string, options: LoadOptions): Promise<LoadedImage[]> {
  let index: { manifests?: Descriptor[] };
  try {
    index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
  } catch (err) {
    throw new InvalidArgumentError(`${label}: index.json is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(index.manifests) || index.manifests.length === 0) throw new InvalidArgumentError(`${label}: index.json lists no images`);
  const loaded: LoadedImage[] = [];
  for (const descriptor of index.manifests) {
    const name = ociName(descriptor);
    loaded.push(await loadOne(engine, new OciLayoutSource(dir), name ? [name] : [], options, descriptor.digest));
  }
  return loaded;
}

/** The name an OCI layout entry gives its image; a short one is local (localhost/), as podman's. */
export function ociName(descriptor: Pick<Descriptor, 'annotations'>): string | undefined {
  const full = descriptor.annotations?.[CONTAINERD_NAME_ANNOTATION];
  const refName = descriptor.annotations?.[REF_NAME_ANNOTATION];
  for (const candidate of [full, refName]) {
    if (!candidate) continue;
    try {
      return localName(candidate);
    } catch {
      // a bare tag ("latest") or something else that is no name: try the next
    }
  }
  return undefined;
}

async function loadOne(
  engine: Engine,
  source: DockerArchiveSource | OciLayoutSource,
  names: string[],
  options: LoadOptions,
  ref = '',
): Promise<LoadedImage> {
  const [first, ...others] = names;
  try {
    const image = await pullFromSource(
      engine,
      source,
      { ref, name: first, repository: first ? first.replace(/:[^:/]+$/, '') : '' },
      options.progress ? { progress: options.progress } : {},
    );
    for (const other of others) engine.images.tag(image.id, other);
    return { image: engine.images.get(image.id), names };
  } finally {
    await source.close();
  }
}

async function removeStaleLoads(parent: string): Promise<void> {
  const cutoff = Date.now() - STALE_LOAD_MS;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(LOAD_DIR_PREFIX)) continue;
    const path = join(parent, name);
    const modified = await stat(path).then((st) => st.mtimeMs, () => Date.now());
    if (modified < cutoff) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
