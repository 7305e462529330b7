/**
 * Images as `tpod images` and `tpod image inspect` show them: podman's JSON field names,
 * so `--format '{{.Repository}}'` and scripts written for podman keep working.
 */
import { humanAge, humanSize } from '../ui/human.js';
import type { ImageRecord } from './store.js';

/** One row of `tpod images`: an image appears once per name (dangling: once, <none>). */
export interface ImageSummaryRow {
  Id: string;
  ID: string;
  Repository: string;
  Tag: string;
  Digest: string;
  Names: string[];
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  CreatedAt: string;
  CreatedSince: string;
  Size: string;
  VirtualSize: number;
  Containers: number;
  Dangling: boolean;
  Labels: Record<string, string>;
}

export function imageRows(image: ImageRecord, containers = 0): ImageSummaryRow[] {
  const names = image.names.length > 0 ? image.names : [undefined];
  return names.map((name) => {
    const [repository, tag] = name ? splitNameTag(name) : ['<none>', '<none>'];
    return {
      Id: image.id,
      ID: image.id.slice(0, 12),
      Repository: repository,
      Tag: tag,
      Digest: image.manifestDigest,
      Names: image.names,
      RepoTags: image.names,
      RepoDigests: image.repoDigests,
      Created: image.created ? Math.floor(Date.parse(image.created) / 1000) : 0,
      CreatedAt: image.created ?? '',
      CreatedSince: humanAge(image.created),
      Size: humanSize(image.size),
      VirtualSize: image.size,
      Containers: containers,
      Dangling: image.names.length === 0,
      Labels: image.config.config?.Labels ?? {},
    };
  });
}

function splitNameTag(name: string): [string, string] {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? [name.slice(0, colon), name.slice(colon + 1)] : [name, '<none>'];
}

/** `tpod image inspect`: podman's ImageData shape for the fields tpod has. */
export function imageInspect(image: ImageRecord): Record<string, unknown> {
  const config = image.config;
  return {
    Id: image.id,
    Digest: image.manifestDigest,
    RepoTags: image.names,
    RepoDigests: image.repoDigests,
    Created: image.created,
    Config: config.config ?? {},
    Version: '',
    Author: config.author ?? '',
    Architecture: config.architecture,
    Os: config.os,
    Variant: config.variant,
    Size: image.size,
    VirtualSize: image.size,
    Labels: config.config?.Labels ?? {},
    Annotations: {},
    ManifestType: image.manifestType,
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    History: config.history ?? [],
    NamesHistory: image.names,
  };
}
