/**
 * The OCI distribution API client (registry module). Callers import from here; the files
 * behind it are one concern each: session.ts (ping, auth, redirects, retries), auth.ts and
 * challenge.ts (Basic and Bearer), manifests.ts, blobs.ts + blob-download.ts, tags.ts.
 */
export { RegistryClient, isLocalRegistry, registryEndpoint, type RegistryClientOptions } from './client.js';
export type { Credentials } from './auth.js';
export { PlainHttpMarkers, type OriginMemory } from './plain-http-memory.js';
export type { BlobStream } from './blob-download.js';
export type { UploadOptions, UploadResult } from './blobs.js';
export { MANIFEST_SIZE_LIMIT, type FetchedManifest } from './manifests.js';
export { parseWwwAuthenticate, type AuthChallenge } from './challenge.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export type { PingResult } from './session.js';
export { parseManifest, isImageIndex, type Manifest } from '../oci/manifest.js';
export { choosePlatform, hostPlatform, formatPlatform, type PlatformChoice } from '../oci/platform.js';
