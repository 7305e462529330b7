/**
 * Media types of the OCI image-spec (media-types.md) and their Docker schema2 ancestors
 * (docker/distribution docs/spec/manifest-v2-2.md), which registries still serve and which
 * tpod must read, store and push unchanged so digests stay what the registry says.
 */

export const OCI_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_TAR_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_TAR_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** Schema 1 (signed JWS manifests) is deprecated and refused, as podman 5 does. */
export const DOCKER_SCHEMA1_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+json';
export const DOCKER_SCHEMA1_SIGNED_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

/** Media types of a single-platform image manifest. */
export const IMAGE_MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_IMAGE_MANIFEST, DOCKER_MANIFEST];
/** Media types of a multi-platform index (an OCI index or a Docker manifest list). */
export const IMAGE_INDEX_MEDIA_TYPES: readonly string[] = [OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST];
/** Every manifest media type tpod understands, in the order it prefers them. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST,
];

export function isImageIndexMediaType(mediaType: string): boolean {
  return IMAGE_INDEX_MEDIA_TYPES.includes(mediaType);
}

export function isImageManifestMediaType(mediaType: string): boolean {
  return IMAGE_MANIFEST_MEDIA_TYPES.includes(mediaType);
}

export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType);
}
