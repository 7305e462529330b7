/**
 * Pulling an image into the store:
 *
 *   reference → sources (short-name search, mirrors) → manifest (index → platform)
 *   → config blob → per layer, all at once: blob into the content store (sha256 checked
 *   while streaming) and unpack into layers/<chain-id> (diffID checked; a big layer as
 *   it downloads, in an unpacker process) → one transaction recording layers, image and
 *   names.
 *
 * Every file step lands by atomic rename and the record comes last, so a pull killed at
 * any instant leaves nothing visible half-written: the next pull reuses whatever blobs
 * and layers completed and redoes the rest.
 */
import { join } from 'node:path';
import { CorruptError, InvalidArgumentError, NotFoundError, TpodError, UnavailableError } from '../errors.js';
import type { Engine } from '../engine.js';
import { isImageIndex } from '../oci/manifest.js';
import { choosePlatform, type PlatformChoice } from '../oci/platform.js';
import type { Descriptor, ImageConfig, ImageManifest } from '../oci/types.js';
import { parseReference, type ImageReference } from '../reference/reference.js';
import { loadRegistriesConfig, resolvePullSources, searchRegistries } from '../registries/config.js';
import { PlainHttpMarkers, RegistryClient, type Credentials } from '../registry/index.js';
import { credentialsFor } from '../auth/auth-file.js';
import { chainIds } from './chain-id.js';
import { collectImageGarbage } from './gc.js';
import { OciLayoutSource, RegistrySource, type ImageSource, type SourceManifest } from './source.js';
import type { ImageRecord, LayerRecord } from './store.js';
import type { Writable } from 'node:stream';
import type { UnpackResult } from '../layers/unpack.js';
import { log } from '../log.js';

const CONFIG_SIZE_LIMIT = 8 * 1024 * 1024;
// As podman (containers/image's default): more rarely helps and loads the registry.
const PARALLEL_DOWNLOADS = 6;

export interface PullProgress {
  trying?(name: string): void;
  blob?(descriptor: Descriptor, state: 'exists' | 'copying' | 'done', bytes?: number): void;
  config?(digest: string): void;
  writing?(): void;
}

export interface PullOptions {
  platform?: PlatformChoice;
  /** false: plain http and no certificate checks (podman's --tls-verify=false). */
  tlsVerify?: boolean;
  certDir?: string;
  credentials?: Credentials;
  /** `--authfile`: where stored credentials are looked up when `credentials` is not given. */
  authFile?: string;
  registriesConf?: string;
  progress?: PullProgress;
}

/** Which image of a source to take and the name it will be recorded under. */
export interface PullTarget {
  /** A tag or digest the source knows. */
  ref: string;
  /** The user-facing name the image gets (`docker.io/library/busybox:latest`), if any. */
  name: string | undefined;
  /** For RepoDigests: `repository@digest`. */
  repository: string;
}

/** A source of an image and the names it will be recorded under. */
interface PullCandidate extends PullTarget {
  open(): ImageSource;
}

export async function pullImage(engine: Engine, input: string, options: PullOptions = {}): Promise<ImageRecord> {
  await collectImageGarbage(engine);
  const candidates = pullCandidates(engine, input, options);
  const failures: string[] = [];
  for (const candidate of candidates) {
    options.progress?.trying?.(candidate.name ?? input);
    const source = candidate.open();
    try {
      return await pullFromSource(engine, source, candidate, options);
    } catch (err) {
      // Only "not there" and "cannot reach" move on to the next source; a corrupt or
      // refused image is an answer, not an absence.
      if (!(err instanceof NotFoundError || err instanceof UnavailableError) || candidates.length === 1) throw err;
      failures.push(`${source.name}: ${(err as Error).message}`);
      log.debug(`pull from ${source.name} failed: ${(err as Error).message}`);
    } finally {
      await source.close();
    }
  }
  throw new NotFoundError(`unable to pull ${input}: ${failures.join('; ')}`);
}

/** Podman's transports: `oci:DIR[:TAG]`, `docker://REF`, or a plain reference. */
function pullCandidates(engine: Engine, input: string, options: PullOptions): PullCandidate[] {
  if (input.startsWith('oci:')) {
    const [dir, tag = ''] = splitLayoutReference(input.slice('oci:'.length));
    const name = tag ? parseReference(tag.includes('/') ? tag : `localhost/${tag}`).nameWithTag : undefined;
    return [{ open: () => new OciLayoutSource(dir), ref: tag, name, repository: name ? name.replace(/:[^:/]+$/, '') : dir }];
  }
  const ref = parseReference(input.startsWith('docker://') ? input.slice('docker://'.length) : input);
  const config = loadRegistriesConfig({ path: options.registriesConf, rootless: engine.paths.rootless });
  const qualified = ref.shortName ? searchRegistries(config).map((registry) => ref.withRegistry(registry)) : [ref];
  if (qualified.length === 0) {
    throw new InvalidArgumentError(`short-name "${input}" did not resolve to an alias and no unqualified-search registries are defined`);
  }
  return qualified.flatMap((wanted) =>
    resolvePullSources(wanted, config).map((source) => ({
      open: () => registrySource(engine, source.reference, source.insecure, options),
      ref: source.reference.manifestReference,
      name: wanted.nameWithTag,
      repository: wanted.name,
    })),
  );
}

function splitLayoutReference(rest: string): [string, string] {
  const colon = rest.lastIndexOf(':');
  return colon > 0 ? [rest.slice(0, colon), rest.slice(colon + 1)] : [rest, ''];
}

function registrySource(engine: Engine, ref: ImageReference, insecure: boolean, options: PullOptions): ImageSource {
  // --creds wins; else what `login` stored for this registry (a mirror has its own entry).
  const credentials = options.credentials ?? credentialsFor(ref.registry, ref.repository, { authFile: options.authFile });
  const client = new RegistryClient({
    ...(credentials ? { credentials } : {}),
    host: ref.registry,
    insecure: insecure || options.tlsVerify === false,
    ...(options.tlsVerify !== undefined ? { tlsVerify: options.tlsVerify } : {}),
    ...(options.certDir ? { certDir: options.certDir } : {}),
    origins: new PlainHttpMarkers(join(engine.paths.runroot, 'registries', 'plain-http')),
  });
  return new RegistrySource(client, ref.repository);
}

/** One image from an open source into the store (pull, and load of an archive). */
export async function pullFromSource(engine: Engine, source: ImageSource, candidate: PullTarget, options: PullOptions = {}): Promise<ImageRecord> {
  const top = await source.getManifest(candidate.ref);
  const chosen = await resolvePlatform(source, top, options.platform);
  const manifest = chosen.manifest as ImageManifest;
  const config = await fetchConfig(engine, source, manifest.config, options);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new CorruptError(`image ${source.name}: config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
  }
  const layers = await fetchLayers(engine, source, manifest.layers, diffIds, options.progress);
  options.progress?.writing?.();
  // The manifest's exact bytes, kept so push and save hand out the digest that was pulled
  // (re-serialising would change it). Before the record, like every other file.
  if (!(await engine.content.has(chosen.digest))) await engine.content.writeBuffer(chosen.bytes);
  const names = candidate.name ? [candidate.name] : [];
  // RepoDigests name the digest of what the user asked for (the index, if there was one).
  const repoDigests = candidate.name || candidate.repository.includes('/') ? [`${candidate.repository}@${top.digest}`] : [];
  const unchanged = alreadyRecorded(engine, manifest.config.digest, chosen.digest, names, repoDigests);
  if (unchanged) return unchanged;
  return engine.images.commit({
    manifestDigest: chosen.digest,
    manifestType: chosen.mediaType,
    configDigest: manifest.config.digest,
    config,
    layers,
    names,
    repoDigests,
  });
}

/**
 * A pull of an image already present, under the same names, records nothing new: skip the
 * write transaction (and its fsync), which is most of a warm pull's local cost.
 */
function alreadyRecorded(engine: Engine, configDigest: string, manifestDigest: string, names: string[], repoDigests: string[]): ImageRecord | undefined {
  const existing = engine.images.find(configDigest.slice(configDigest.indexOf(':') + 1));
  if (!existing || existing.manifestDigest !== manifestDigest) return undefined;
  const hasAll = (have: string[], want: string[]): boolean => want.every((item) => have.includes(item));
  if (!hasAll(existing.repoDigests, repoDigests)) return undefined;
  // The name must point at this image (a tag moved elsewhere is moved back by commit).
  return names.every((name) => engine.images.find(name)?.id === existing.id) ? existing : undefined;
}

async function resolvePlatform(source: ImageSource, top: SourceManifest, platform: PlatformChoice | undefined): Promise<SourceManifest> {
  if (!isImageIndex(top.manifest)) return top;
  const descriptor = choosePlatform(top.manifest, platform ?? {});
  const chosen = await source.getManifest(descriptor.digest);
  if (isImageIndex(chosen.manifest)) throw new InvalidArgumentError(`image index ${descriptor.digest} in ${source.name} points to another index`);
  return chosen;
}

async function fetchConfig(engine: Engine, source: ImageSource, descriptor: Descriptor, options: PullOptions): Promise<ImageConfig> {
  const content = engine.content;
  if (!(await content.has(descriptor.digest))) {
    await content.write({ digest: descriptor.digest, size: descriptor.size }, await source.getBlob(descriptor));
  }
  options.progress?.config?.(descriptor.digest);
  const config = (await content.readJson(descriptor.digest, CONFIG_SIZE_LIMIT)) as ImageConfig;
  if (!config || typeof config !== 'object' || !config.rootfs || !Array.isArray(config.rootfs.diff_ids)) {
    throw new CorruptError(`image config ${descriptor.digest} from ${source.name} has no rootfs.diff_ids`);
  }
  return config;
}

/**
 * Every layer at once, downloads up to PARALLEL_DOWNLOADS at a time. A big layer (and
 * every layer rootless) goes to the pull's unpackers, its bytes to the blob store and
 * to its unpacker as they arrive; a small one is stored, then unpacked here.
 */
async function fetchLayers(
  engine: Engine,
  source: ImageSource,
  descriptors: Descriptor[],
  diffIds: string[],
  progress: PullProgress | undefined,
): Promise<LayerRecord[]> {
  const chain = chainIds(diffIds);
  const known = engine.images.knownLayers();
  const records: LayerRecord[] = descriptors.map((descriptor, i) => ({
    chainId: chain[i]!,
    parent: chain[i - 1],
    diffId: diffIds[i]!,
    blobDigest: descriptor.digest,
    size: 0,
  }));
  const present = await Promise.all(records.map(async (record) => known.has(record.chainId) && (await exists(engine.layerDir(record.chainId)))));
  const { OWN_PROCESS_MIN_BYTES, UnpackerPool } = await import('../layers/unpack-process.js');
  const planned = descriptors
    .map((descriptor, key) => ({ key, size: descriptor.size }))
    .filter(({ key, size }) => !present[key] && (engine.paths.rootless || size >= OWN_PROCESS_MIN_BYTES));
  const unpackers = planned.length > 0 ? new UnpackerPool(planned, engine.paths.rootless ? engine.userIdMapping : undefined) : undefined;
  const downloads = limiter(PARALLEL_DOWNLOADS);
  try {
    await Promise.all(
      records.map(async (record, i) => {
        const descriptor = descriptors[i]!;
        if (present[i]) {
          record.size = engine.images.layer(record.chainId)!.size;
          progress?.blob?.(descriptor, 'exists');
          return;
        }
        const target = engine.layerDir(record.chainId);
        const expected = { digest: descriptor.digest, diffId: record.diffId };
        record.size = await alreadyUnpackedElsewhere(engine, descriptor, async () => {
          if (!unpackers || !planned.some(({ key }) => key === i)) {
            await downloads(() => fetchBlob(engine, source, descriptor, progress));
            const { unpackLayer } = await import('../layers/index.js');
            return unpackLayer(await engine.content.readStream(descriptor.digest), target, { expected });
          }
          const unpacking = unpackers.unpack(i, target, expected);
          const feeding = downloads(() => fetchBlob(engine, source, descriptor, progress, unpacking.input));
          return settleUnpack(feeding, unpacking.result);
        });
        progress?.blob?.(descriptor, 'done', descriptor.size);
      }),
    );
  } finally {
    await unpackers?.close();
  }
  return records;
}

/**
 * A layer fed to an unpacker fails for the first cause: the download's (network, digest,
 * disk), which also cut the layer short for the unpacker; else the unpacker's own (a
 * refused entry, a diffID mismatch).
 */
async function settleUnpack(feeding: Promise<void>, unpacked: Promise<UnpackResult>): Promise<UnpackResult> {
  const [fed, result] = await Promise.allSettled([feeding, unpacked]);
  if (fed.status === 'rejected') throw fed.reason;
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/**
 * The blob into the content store, unless it is there already; with `unpackerInput`, its
 * bytes also go there as they are stored (from the store when it had them), ending it.
 */
async function fetchBlob(engine: Engine, source: ImageSource, descriptor: Descriptor, progress?: PullProgress, unpackerInput?: Writable): Promise<void> {
  const content = engine.content;
  try {
    if (await content.has(descriptor.digest)) {
      if (unpackerInput) await feedLayer(await content.readStream(descriptor.digest), unpackerInput);
      return;
    }
    progress?.blob?.(descriptor, 'copying', 0);
    const blob = await source.getBlob(descriptor);
    const counted = progress?.blob ? countingBytes(blob, (bytes) => progress.blob?.(descriptor, 'copying', bytes)) : blob;
    await content.write({ digest: descriptor.digest, size: descriptor.size }, unpackerInput ? teeToUnpacker(counted, unpackerInput) : counted);
  } finally {
    // Ended in every case: on a failure the unpacker then finds the layer cut short.
    unpackerInput?.end();
  }
}

async function feedLayer(bytes: AsyncIterable<Uint8Array>, unpackerInput: Writable): Promise<void> {
  for await (const chunk of teeToUnpacker(bytes, unpackerInput)) void chunk;
}

/**
 * Passes the blob's bytes through to the store, each also to the unpacker until it stops
 * reading: the blob is stored whole even then (a layer another tpod unpacked meanwhile
 * still needs its blob here, for push and save).
 */
async function* teeToUnpacker(bytes: AsyncIterable<Uint8Array>, unpackerInput: Writable): AsyncGenerator<Uint8Array> {
  const { writeLayerBytes } = await import('../layers/unpack-process.js');
  let reading = true;
  for await (const chunk of bytes) {
    if (reading) reading = await writeLayerBytes(unpackerInput, chunk);
    yield chunk;
  }
}

/**
 * Runs `unpack`; resolves to the layer's uncompressed size. Another tpod unpacked the same
 * layer meanwhile: its directory is complete (renamed into place only when verified), so
 * it serves this image too.
 */
async function alreadyUnpackedElsewhere(engine: Engine, descriptor: Descriptor, unpack: () => Promise<UnpackResult>): Promise<number> {
  try {
    return (await unpack()).uncompressedSize;
  } catch (err) {
    if (err instanceof TpodError && err.kind === 'already-exists') return (await engine.content.info(descriptor.digest)).size;
    throw err;
  }
}

/** Passes a blob stream through, reporting the bytes seen so far (for progress bars). */
async function* countingBytes(source: AsyncIterable<Uint8Array>, report: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    report(bytes);
    yield chunk;
  }
}

async function exists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Runs at most `limit` of the functions given to it at a time, the others in turn. */
function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    // A finished function hands its place to the next in line directly, so none can jump it.
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
