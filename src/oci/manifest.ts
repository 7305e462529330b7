/**
 * Parsing manifests: bytes plus a media type in, a typed `ImageManifest` or `ImageIndex`
 * out. The bytes themselves stay the source of truth (their digest names the image); the
 * parsed object is for reading. Validation is structural: what later steps rely on
 * (descriptors with digests and sizes) is checked here, once.
 */
import { CorruptError, InvalidArgumentError } from '../errors.js';
import { digestProblem } from '../reference/digest.js';
import {
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  isImageIndexMediaType,
  isImageManifestMediaType,
} from './media-types.js';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from './types.js';

export type Manifest = ImageManifest | ImageIndex;

/** Content types registries send when they do not know better (or strip parameters to). */
const GENERIC_CONTENT_TYPES = new Set(['', 'application/json', 'text/plain', 'application/octet-stream']);

export function isImageIndex(manifest: Manifest): manifest is ImageIndex {
  return 'manifests' in manifest;
}

/** `application/json; charset=utf-8` → `application/json`. */
export function stripMediaTypeParameters(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * Parses a manifest of `mediaType` (usually the response Content-Type). A generic or missing
 * type is inferred from the body as containers/image does; a body whose own `mediaType`
 * contradicts the declared one is refused (image-spec manifest.md "mediaType").
 * `source` names where the bytes came from, for messages.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string, source = 'manifest'): Manifest {
  const body = parseJsonObject(bytes, source);
  const declared = stripMediaTypeParameters(mediaType);
  const effective = GENERIC_CONTENT_TYPES.has(declared) ? inferMediaType(body) : declared;
  const embedded = body.mediaType;
  if (typeof embedded === 'string' && embedded !== '' && embedded !== effective) {
    throw new CorruptError(`${source}: media type "${embedded}" in the manifest contradicts "${effective}"`);
  }
  if (effective === DOCKER_SCHEMA1_MANIFEST || effective === DOCKER_SCHEMA1_SIGNED_MANIFEST) {
    throw new InvalidArgumentError(`${source}: docker schema1 manifests are not supported ("${effective}")`, {
      hint: 'push the image again with a current client; it will be converted to schema2 or OCI',
    });
  }
  if (isImageIndexMediaType(effective)) return parseImageIndex(body, effective, source);
  if (isImageManifestMediaType(effective)) return parseImageManifest(body, effective, source);
  throw new InvalidArgumentError(`${source}: unsupported manifest media type "${effective}"`);
}

/** The media type of a body served without a useful Content-Type. */
function inferMediaType(body: Record<string, unknown>): string {
  if (typeof body.mediaType === 'string' && body.mediaType !== '') return body.mediaType;
  if (body.schemaVersion === 1) return DOCKER_SCHEMA1_SIGNED_MANIFEST;
  // OCI allows omitting mediaType; Docker schema2 always carries it.
  if (Array.isArray(body.manifests)) return OCI_IMAGE_INDEX;
  if (body.config !== undefined && Array.isArray(body.layers)) return OCI_IMAGE_MANIFEST;
  return 'unknown';
}

function parseImageManifest(body: Record<string, unknown>, mediaType: string, source: string): ImageManifest {
  checkSchemaVersion(body, source);
  if (!Array.isArray(body.layers) || body.config === undefined) {
    throw new CorruptError(`${source}: ${mediaType} without "config" and "layers"`);
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config: parseDescriptor(body.config, `${source}: config`),
    layers: body.layers.map((layer, i) => parseDescriptor(layer, `${source}: layers[${i}]`)),
  };
  copyOptionalFields(body, manifest, source);
  return manifest;
}

function parseImageIndex(body: Record<string, unknown>, mediaType: string, source: string): ImageIndex {
  checkSchemaVersion(body, source);
  if (!Array.isArray(body.manifests)) {
    throw new CorruptError(`${source}: ${mediaType} without "manifests"`);
  }
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType,
    manifests: body.manifests.map((entry, i) => parseDescriptor(entry, `${source}: manifests[${i}]`)),
  };
  copyOptionalFields(body, index, source);
  return index;
}

function copyOptionalFields(body: Record<string, unknown>, target: Manifest, source: string): void {
  if (typeof body.artifactType === 'string') target.artifactType = body.artifactType;
  if (body.subject !== undefined) target.subject = parseDescriptor(body.subject, `${source}: subject`);
  if (isStringMap(body.annotations)) target.annotations = body.annotations;
}

function checkSchemaVersion(body: Record<string, unknown>, source: string): void {
  if (body.schemaVersion !== 2) {
    throw new CorruptError(`${source}: unsupported schemaVersion ${JSON.stringify(body.schemaVersion)}`);
  }
}

/** descriptor.md "Properties": mediaType, digest and size are required. */
export function parseDescriptor(value: unknown, source: string): Descriptor {
  if (!isObject(value)) throw new CorruptError(`${source}: descriptor is not an object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') {
    throw new CorruptError(`${source}: descriptor without a mediaType`);
  }
  if (typeof digest !== 'string') throw new CorruptError(`${source}: descriptor without a digest`);
  const problem = digestProblem(digest);
  if (problem !== undefined) throw new CorruptError(`${source}: invalid digest ${JSON.stringify(digest)}: ${problem}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new CorruptError(`${source}: descriptor ${digest} has an invalid size ${JSON.stringify(size)}`);
  }
  const descriptor: Descriptor = { mediaType, digest, size };
  if (Array.isArray(value.urls) && value.urls.every((u) => typeof u === 'string')) descriptor.urls = value.urls;
  if (isStringMap(value.annotations)) descriptor.annotations = value.annotations;
  if (value.platform !== undefined) descriptor.platform = parsePlatform(value.platform, source);
  if (typeof value.artifactType === 'string') descriptor.artifactType = value.artifactType;
  if (typeof value.data === 'string') descriptor.data = value.data;
  return descriptor;
}

function parsePlatform(value: unknown, source: string): Platform {
  if (!isObject(value) || typeof value.architecture !== 'string' || typeof value.os !== 'string') {
    throw new CorruptError(`${source}: platform without "architecture" and "os"`);
  }
  const platform: Platform = { architecture: value.architecture, os: value.os };
  if (typeof value.variant === 'string' && value.variant !== '') platform.variant = value.variant;
  if (typeof value['os.version'] === 'string') platform['os.version'] = value['os.version'];
  if (isStringArray(value['os.features'])) platform['os.features'] = value['os.features'];
  if (isStringArray(value.features)) platform.features = value.features;
  return platform;
}

function parseJsonObject(bytes: Uint8Array, source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new CorruptError(`${source}: malformed manifest: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(value)) throw new CorruptError(`${source}: malformed manifest: not a JSON object`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}
