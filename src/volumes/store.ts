/**
 * Named volumes (`local` driver, as podman's default): a directory `<root>/volumes/NAME/_data`
 * bind-mounted into containers, kept until `volume rm`. The record is written after the
 * directory exists, and the directory removed after the record is gone, so a crash never
 * leaves a record without its data.
 */
import { randomBytes } from '../random.js';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import { AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError } from '../errors.js';

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  Anonymous: boolean;
}

interface VolumeRow {
  name: string;
  labels: string;
  anonymous: number;
  created_at: string;
}

export function volumeDataDir(engine: Engine, name: string): string {
  return join(engine.paths.root, 'volumes', name, '_data');
}

export function validateVolumeName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new InvalidArgumentError(`invalid volume name "${name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  return name;
}

export async function createVolume(engine: Engine, name: string | undefined, options: { labels?: Record<string, string>; anonymous?: boolean; ignoreExisting?: boolean } = {}): Promise<VolumeRecord> {
  const volumeName = name ? validateVolumeName(name) : randomBytes(32).toString('hex');
  const existing = findVolume(engine, volumeName);
  if (existing) {
    if (options.ignoreExisting) return existing;
    throw new AlreadyExistsError(`volume with name ${volumeName} already exists: volume already exists`);
  }
  await mkdir(volumeDataDir(engine, volumeName), { recursive: true, mode: 0o755 });
  engine.state.write((db) =>
    db
      .prepare('INSERT OR IGNORE INTO volumes (name, labels, anonymous, created_at) VALUES (?, ?, ?, ?)')
      .run(volumeName, JSON.stringify(options.labels ?? {}), options.anonymous ? 1 : 0, new Date().toISOString()),
  );
  return getVolume(engine, volumeName);
}

export function listVolumes(engine: Engine): VolumeRecord[] {
  return engine.state.read((db) => (db.prepare('SELECT * FROM volumes ORDER BY name').all() as VolumeRow[]).map((row) => toRecord(engine, row)));
}

export function findVolume(engine: Engine, name: string): VolumeRecord | undefined {
  const row = engine.state.read((db) => db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as VolumeRow | undefined);
  return row ? toRecord(engine, row) : undefined;
}

export function getVolume(engine: Engine, name: string): VolumeRecord {
  const volume = findVolume(engine, name);
  if (!volume) throw new NotFoundError(`no volume with name "${name}" found: no such volume`);
  return volume;
}

/** Names of the containers whose config mounts this volume. */
export function volumeUsers(engine: Engine, name: string): string[] {
  return engine.containers.list().filter((container) => container.config.volumes?.includes(name)).map((container) => container.name);
}

export async function removeVolume(engine: Engine, name: string, options: { force?: boolean } = {}): Promise<void> {
  const volume = getVolume(engine, name);
  const users = volumeUsers(engine, name);
  if (users.length > 0 && !options.force) {
    throw new ConflictError(`volume ${name} is being used by the following container(s): ${users.join(', ')}: volume is being used`);
  }
  if (users.length > 0) {
    const { removeContainer } = await import('../containers/remove.js');
    for (const user of users) await removeContainer(engine, user, { force: true, timeoutSeconds: 0 });
  }
  engine.state.write((db) => db.prepare('DELETE FROM volumes WHERE name = ?').run(volume.Name));
  await engine.removeTree(join(engine.paths.root, 'volumes', volume.Name));
}

export async function pruneVolumes(engine: Engine): Promise<string[]> {
  const removed: string[] = [];
  for (const volume of listVolumes(engine)) {
    if (volumeUsers(engine, volume.Name).length > 0) continue;
    await removeVolume(engine, volume.Name);
    removed.push(volume.Name);
  }
  return removed;
}

function toRecord(engine: Engine, row: VolumeRow): VolumeRecord {
  return {
    Name: row.name,
    Driver: 'local',
    Mountpoint: volumeDataDir(engine, row.name),
    CreatedAt: row.created_at,
    Labels: JSON.parse(row.labels) as Record<string, string>,
    Scope: 'local',
    Options: {},
    Anonymous: row.anonymous === 1,
  };
}
