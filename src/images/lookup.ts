/**
 * Finding a local image the way podman does: an exact name or ID (or ID prefix) first;
 * then, for a short name like `busybox`, `localhost/busybox` and the name under each
 * search registry, then any stored name whose repository ends in `/busybox` with that tag.
 */
import type { Engine } from '../engine.js';
import { NotFoundError } from '../errors.js';
import { parseReference, type ImageReference } from '../reference/reference.js';
import { loadRegistriesConfig, searchRegistries } from '../registries/config.js';
import type { ImageRecord } from './store.js';

export function findLocalImage(engine: Engine, input: string): ImageRecord | undefined {
  const store = engine.images;
  const direct = store.find(input);
  if (direct) return direct;
  let ref: ImageReference;
  try {
    ref = parseReference(input);
  } catch {
    return undefined; // not a name; an unknown ID prefix
  }
  if (!ref.shortName) return store.find(ref.nameWithTag ?? ref.toString());
  for (const name of shortNameCandidates(engine, ref)) {
    const image = store.find(name);
    if (image) return image;
  }
  const familiar = ref.familiar.replace(/@.*$/, '');
  const suffix = `/${familiar.includes(':') ? familiar : `${familiar}:${ref.tag ?? 'latest'}`}`;
  return store.list().find((image) => image.names.some((name) => name.endsWith(suffix)));
}

export function getLocalImage(engine: Engine, input: string): ImageRecord {
  const image = findLocalImage(engine, input);
  if (!image) throw new NotFoundError(`${input}: image not known`);
  return image;
}

function shortNameCandidates(engine: Engine, ref: ImageReference): string[] {
  const registries = ['localhost', ...searchRegistries(loadRegistriesConfig({ rootless: engine.paths.rootless }))];
  const names: string[] = [];
  for (const registry of registries) {
    try {
      const qualified = ref.withRegistry(registry);
      names.push(qualified.nameWithTag ?? qualified.toString());
    } catch {
      // a search registry that cannot qualify this name: skip it
    }
  }
  return names;
}
