/**
 * `tpod container prune`: removes every container that is not running, and repairs what
 * killed commands left: records stuck in `removing`, and snapshots with no record at all
 * (a `create` killed between preparing the snapshot and recording the container).
 * `--filter` narrows what is removed, as podman's: label=KEY[=VALUE], label!=KEY[=VALUE],
 * until=TIME (created before: a Unix time, an RFC 3339 date, or a duration ago like 1h30m).
 */
import type { Engine } from '../engine.js';
import { InvalidArgumentError } from '../errors.js';
import { labelFilter } from '../labels.js';
import type { ContainerRecord } from './store.js';
import { collectOrphanContainers } from './orphans.js';
import { removeContainer } from './remove.js';
import { syncAll } from './sync.js';

export async function pruneContainers(engine: Engine, filters: readonly string[] = []): Promise<string[]> {
  const selected = filters.map((filter) => pruneFilter(filter));
  const removed: string[] = [];
  for (const container of await syncAll(engine, engine.containers.list())) {
    if (container.state === 'running' || container.state === 'paused') continue;
    if (!selected.every((matches) => matches(container))) continue;
    removed.push(await removeContainer(engine, container.id, { force: true, timeoutSeconds: 0 }));
  }
  // Unrecorded snapshots, except those a `create` still running is preparing.
  await collectOrphanContainers(engine);
  return removed;
}

function pruneFilter(filter: string, now = Date.now()): (container: ContainerRecord) => boolean {
  const byLabel = labelFilter(filter);
  if (byLabel) return (c) => byLabel(c.config.labels);
  if (filter.startsWith('until=')) {
    const before = untilTime(filter.slice('until='.length), now);
    return (c) => Date.parse(c.createdAt) < before;
  }
  throw new InvalidArgumentError(`invalid filter "${filter}": container prune takes label=, label!= and until=`);
}

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** A Unix time in seconds, an RFC 3339 date, or a Go duration counted back from now. */
function untilTime(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s))+$/.test(value) ? value.match(/\d+(?:\.\d+)?(?:h|ms|m|s)/g) : null;
  if (duration) return now - duration.reduce((sum, part) => sum + Number.parseFloat(part) * DURATION_UNITS[part.replace(/[\d.]/g, '')]!, 0);
  const date = Date.parse(value);
  if (Number.isNaN(date)) throw new InvalidArgumentError(`invalid filter "until=${value}": expected a Unix time, an RFC 3339 date or a duration such as 1h30m`);
  return date;
}
