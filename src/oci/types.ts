/**
 * The OCI image-spec objects as tpod reads them (image-spec v1.1: descriptor.md,
 * manifest.md, image-index.md, config.md). Docker schema2 manifests and manifest lists have
 * the same shape with other media types, so one set of types serves both.
 */

/** `algorithm:encoded`, e.g. `sha256:6c3c…` (descriptor.md "Digests"). */
export type Digest = string;

/** descriptor.md "Properties": what a blob is, which bytes, how many. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  /** Only on entries of an image index (image-index.md "manifests"). */
  platform?: Platform;
  artifactType?: string;
  /** Embedded base64 content, image-spec 1.1. */
  data?: string;
}

/** image-index.md "platform"; also the os/architecture/variant of an image config. */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

/** manifest.md: one platform's image, a config blob plus ordered layers. */
export interface ImageManifest {
  schemaVersion: 2;
  /** Always set by tpod's parser: the effective media type, even if the body omitted it. */
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** image-index.md: a list of manifests, usually one per platform. */
export interface ImageIndex {
  schemaVersion: 2;
  /** Always set by tpod's parser: the effective media type, even if the body omitted it. */
  mediaType: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** config.md "history". */
export interface History {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** config.md "config": the execution parameters a container starts from. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  /** Docker-only extension, kept because podman honours it. */
  Healthcheck?: {
    Test?: string[];
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    Retries?: number;
  };
}

/** config.md: the image configuration blob a manifest's `config` descriptor points to. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: History[];
}
