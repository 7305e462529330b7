/**
 * Image records in the state database: which images exist, their names (tags), the
 * manifest they were pulled as, their config, and the stack of layers (by chain ID) they
 * are made of. Every change is one transaction, so a name never points at a half-recorded
 * image. Files (blobs, unpacked layers) live beside it; `unreferencedLayers` tells GC
 * which directories no image needs any more.
 */
import type Database from 'better-sqlite3';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { ImageConfig } from '../oci/types.js';
import type { StateDatabase } from '../state/database.js';

export interface LayerRecord {
  chainId: string;
  parent: string | undefined;
  diffId: string;
  blobDigest: string | undefined;
  size: number;
}

export interface ImageRecord {
  /** The config digest's hex: podman's image ID. */
  id: string;
  names: string[];
  /** `repo@sha256:…` for each repository the manifest was pulled from (RepoDigests). */
  repoDigests: string[];
  manifestDigest: string;
  manifestType: string;
  configDigest: string;
  config: ImageConfig;
  /** Uncompressed size of all layers, as podman reports it. */
  size: number;
  created: string | undefined;
  pulledAt: string;
  /** Chain IDs, bottom layer first. */
  layers: string[];
}

export interface NewImage {
  manifestDigest: string;
  manifestType: string;
  configDigest: string;
  config: ImageConfig;
  layers: LayerRecord[];
  names: string[];
  repoDigests: string[];
}

const now = (): string => new Date().toISOString();

interface ImageRow {
  id: string;
  manifest_digest: string;
  manifest_type: string;
  config_digest: string;
  config: string;
  size: number;
  created: string | null;
  pulled_at: string;
}

export class ImageStore {
  constructor(private readonly state: StateDatabase) {}

  /** Records an image and its layers; its names move to it from any image that had them. */
  commit(image: NewImage): ImageRecord {
    const id = image.configDigest.slice('sha256:'.length);
    return this.state.write((db) => {
      const insertLayer = db.prepare(
        'INSERT OR IGNORE INTO layers (chain_id, parent, diff_id, blob_digest, size, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const layer of image.layers) insertLayer.run(layer.chainId, layer.parent ?? null, layer.diffId, layer.blobDigest ?? null, layer.size, now());
      const size = image.layers.reduce((sum, layer) => sum + layer.size, 0);
      db.prepare(
        `INSERT INTO images (id, manifest_digest, manifest_type, config_digest, config, size, created, pulled_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET manifest_digest = excluded.manifest_digest, manifest_type = excluded.manifest_type, pulled_at = excluded.pulled_at`,
      ).run(id, image.manifestDigest, image.manifestType, image.configDigest, JSON.stringify(image.config), size, image.config.created ?? null, now());
      db.prepare('DELETE FROM image_layers WHERE image_id = ?').run(id);
      const insertImageLayer = db.prepare('INSERT INTO image_layers (image_id, position, chain_id) VALUES (?, ?, ?)');
      image.layers.forEach((layer, position) => insertImageLayer.run(id, position, layer.chainId));
      for (const name of image.names) setName(db, name, id);
      const insertDigest = db.prepare('INSERT OR IGNORE INTO image_digests (image_id, repo_digest) VALUES (?, ?)');
      for (const repoDigest of image.repoDigests) insertDigest.run(id, repoDigest);
      return loadImage(db, id)!;
    });
  }

  list(): ImageRecord[] {
    return this.state.read((db) =>
      (db.prepare('SELECT id FROM images ORDER BY created DESC, id').pluck().all() as string[]).map((id) => loadImage(db, id)!),
    );
  }

  /** The image a user means by `nameOrId`: a full name, or a full or short (≥3 hex) ID. */
  find(nameOrId: string, normalizedName?: string): ImageRecord | undefined {
    return this.state.read((db) => {
      const byName = db.prepare('SELECT image_id FROM image_names WHERE name = ?').pluck();
      const named = (byName.get(nameOrId) ?? (normalizedName ? byName.get(normalizedName) : undefined)) as string | undefined;
      if (named) return loadImage(db, named);
      const id = nameOrId.startsWith('sha256:') ? nameOrId.slice(7) : nameOrId;
      if (!/^[a-f0-9]{3,64}$/.test(id)) return undefined;
      const matches = db.prepare("SELECT id FROM images WHERE id LIKE ? || '%' LIMIT 2").pluck().all(id) as string[];
      if (matches.length > 1) throw new InvalidArgumentError(`image ID prefix "${id}" is ambiguous: it matches several images`);
      return matches[0] === undefined ? undefined : loadImage(db, matches[0]);
    });
  }

  get(nameOrId: string, normalizedName?: string): ImageRecord {
    const image = this.find(nameOrId, normalizedName);
    if (!image) throw new NotFoundError(`${nameOrId}: image not known`);
    return image;
  }

  tag(id: string, name: string): void {
    this.state.write((db) => setName(db, name, id));
  }

  /** Removes `name` from the image; the image stays, perhaps dangling (no names). */
  untag(id: string, name: string): void {
    this.state.write((db) => {
      const removed = db.prepare('DELETE FROM image_names WHERE name = ? AND image_id = ?').run(name, id);
      if (removed.changes === 0) throw new NotFoundError(`${name}: tag not known for image ${id.slice(0, 12)}`);
    });
  }

  untagAll(id: string): void {
    this.state.write((db) => db.prepare('DELETE FROM image_names WHERE image_id = ?').run(id));
  }

  /**
   * Deletes the image record; returns the layers no other image references any more, so
   * the caller can delete their directories after the commit. `inUse` is checked inside
   * the same transaction so a container created meanwhile cannot lose its image.
   */
  remove(id: string, inUse: (db: Database.Database, id: string) => boolean = () => false): LayerRecord[] {
    return this.state.write((db) => {
      if (inUse(db, id)) throw new ConflictError(`image ${id.slice(0, 12)} is in use by a container`);
      const deleted = db.prepare('DELETE FROM images WHERE id = ?').run(id);
      if (deleted.changes === 0) throw new NotFoundError(`image ${id.slice(0, 12)} not known`);
      return deleteUnreferencedLayers(db);
    });
  }

  layer(chainId: string): LayerRecord | undefined {
    return this.state.read((db) => rowToLayer(db.prepare('SELECT * FROM layers WHERE chain_id = ?').get(chainId)));
  }

  /** Every chain ID the database knows: GC keeps these directories, removes the rest. */
  knownLayers(): Set<string> {
    return new Set(this.state.read((db) => db.prepare('SELECT chain_id FROM layers').pluck().all() as string[]));
  }
}

function setName(db: Database.Database, name: string, id: string): void {
  db.prepare(
    'INSERT INTO image_names (name, image_id, added_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, added_at = excluded.added_at',
  ).run(name, id, now());
}

/** Layers referenced by no image (and no container's top layer, once containers exist). */
function deleteUnreferencedLayers(db: Database.Database): LayerRecord[] {
  const orphans: LayerRecord[] = [];
  // Children first: a layer is a parent of the next in its stack (foreign key).
  for (;;) {
    const rows = db
      .prepare(
        `SELECT * FROM layers l WHERE NOT EXISTS (SELECT 1 FROM image_layers il WHERE il.chain_id = l.chain_id)
           AND NOT EXISTS (SELECT 1 FROM layers c WHERE c.parent = l.chain_id)`,
      )
      .all();
    if (rows.length === 0) return orphans;
    const remove = db.prepare('DELETE FROM layers WHERE chain_id = ?');
    for (const row of rows) {
      const layer = rowToLayer(row)!;
      remove.run(layer.chainId);
      orphans.push(layer);
    }
  }
}

function rowToLayer(row: unknown): LayerRecord | undefined {
  if (!row) return undefined;
  const r = row as { chain_id: string; parent: string | null; diff_id: string; blob_digest: string | null; size: number };
  return { chainId: r.chain_id, parent: r.parent ?? undefined, diffId: r.diff_id, blobDigest: r.blob_digest ?? undefined, size: r.size };
}

function loadImage(db: Database.Database, id: string): ImageRecord | undefined {
  const row = db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
  if (!row) return undefined;
  return {
    id: row.id,
    names: db.prepare('SELECT name FROM image_names WHERE image_id = ? ORDER BY added_at, name').pluck().all(id) as string[],
    repoDigests: db.prepare('SELECT repo_digest FROM image_digests WHERE image_id = ? ORDER BY repo_digest').pluck().all(id) as string[],
    manifestDigest: row.manifest_digest,
    manifestType: row.manifest_type,
    configDigest: row.config_digest,
    config: JSON.parse(row.config) as ImageConfig,
    size: row.size,
    created: row.created ?? undefined,
    pulledAt: row.pulled_at,
    layers: db.prepare('SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY position').pluck().all(id) as string[],
  };
}
