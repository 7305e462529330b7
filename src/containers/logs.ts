/**
 * `tpod logs`: conmon's k8s-file format, one record per line: `TIME STREAM TAG TEXT`,
 * where TAG is F (a full line) or P (a partial line, continued by the next record).
 * stdout records go to stdout and stderr records to stderr, as podman does. With the
 * journald driver, conmon writes to the journal and journalctl reads it back.
 */
import { spawn } from 'node:child_process';
import { open, readFile, stat } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { InvalidArgumentError } from '../errors.js';
import type { ContainerRecord } from './store.js';
import { syncContainer } from './sync.js';

export interface LogRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  since?: string;
  until?: string;
}

export interface LogSink {
  stdout(text: string): void;
  stderr(text: string): void;
}

export function parseLogLine(line: string): LogRecord | undefined {
  const match = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
  if (!match) return undefined;
  return { time: match[1]!, stream: match[2] as 'stdout' | 'stderr', partial: match[3] === 'P', text: match[4] ?? '' };
}

/** `--since 10m`, `--since 2024-01-01T00:00:00Z`, or a unix timestamp → epoch ms. */
export function parseTimeBound(value: string, now = Date.now()): number {
  const duration = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (duration) {
    const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[duration[2] as 'ms' | 's' | 'm' | 'h'];
    return now - Number(duration[1]) * factor;
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new InvalidArgumentError(`invalid time "${value}": use a duration (10m), RFC 3339 time or unix timestamp`);
  return parsed;
}

export async function showLogs(engine: Engine, container: ContainerRecord, options: LogOptions, sink: LogSink): Promise<void> {
  if (container.config.logDriver === 'journald') return journalLogs(engine, container, options, sink);
  const path = engine.containerPaths(container.id).log;
  const since = options.since ? parseTimeBound(options.since) : undefined;
  const until = options.until ? parseTimeBound(options.until) : undefined;
  const emit = (record: LogRecord): void => {
    const at = Date.parse(record.time);
    if ((since !== undefined && at < since) || (until !== undefined && at > until)) return;
    const text = `${options.timestamps ? `${record.time} ` : ''}${record.text}${record.partial ? '' : '\n'}`;
    if (record.stream === 'stdout') sink.stdout(text);
    else sink.stderr(text);
  };
  const text = await readFile(path, 'utf8').catch(() => '');
  const records = text.split('\n').map(parseLogLine).filter((r): r is LogRecord => r !== undefined);
  const shown = options.tail !== undefined && options.tail >= 0 ? records.slice(Math.max(0, records.length - options.tail)) : records;
  shown.forEach(emit);
  if (options.follow) await follow(engine, container, path, Buffer.byteLength(text), emit);
}

/** Reads what is appended until the container is no longer running. */
async function follow(engine: Engine, container: ContainerRecord, path: string, offset: number, emit: (record: LogRecord) => void): Promise<void> {
  let position = offset;
  let pending = '';
  for (;;) {
    const size = await stat(path).then((s) => s.size, () => 0);
    if (size > position) {
      const handle = await open(path, 'r');
      const buffer = Buffer.alloc(size - position);
      await handle.read(buffer, 0, buffer.length, position);
      await handle.close();
      position = size;
      const lines = (pending + buffer.toString()).split('\n');
      pending = lines.pop() ?? '';
      lines.map(parseLogLine).forEach((record) => record && emit(record));
      continue;
    }
    const current = engine.containers.find(container.id);
    const synced = current ? await syncContainer(engine, current) : undefined;
    if (!synced || (synced.state !== 'running' && synced.state !== 'paused')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The journald driver: conmon writes one entry per line with CONTAINER_ID_FULL, MESSAGE
 * (the line and its newline; none for a partial line) and PRIORITY 6 for stdout, 3 for
 * stderr, as podman's journald reader splits them. `-o json` keeps the time and priority
 * that `-o cat` would lose.
 */
function journalLogs(engine: Engine, container: ContainerRecord, options: LogOptions, sink: LogSink): Promise<void> {
  const args = ['--no-pager', '-o', 'json', `CONTAINER_ID_FULL=${container.id}`];
  if (options.follow) args.push('-f');
  if (options.tail !== undefined) args.push('-n', String(options.tail));
  if (options.since) args.push('--since', `@${(parseTimeBound(options.since) / 1000).toFixed(3)}`);
  if (options.until) args.push('--until', `@${(parseTimeBound(options.until) / 1000).toFixed(3)}`);
  return new Promise((resolve, reject) => {
    const child = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emitJournalEntry(line, options, sink);
    });
    child.on('error', reject);
    child.on('close', () => {
      emitJournalEntry(pending, options, sink);
      resolve();
    });
    if (options.follow) void stopFollowingWhenExited(engine, container, () => child.kill('SIGTERM'));
  });
}

/** One `journalctl -o json` line to the sink it came from; other lines are ignored. */
export function emitJournalEntry(line: string, options: Pick<LogOptions, 'timestamps'>, sink: LogSink): void {
  let entry: { MESSAGE?: unknown; PRIORITY?: string; __REALTIME_TIMESTAMP?: string };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return;
  }
  // journald stores a message that is not valid UTF-8 as an array of bytes.
  const message = Array.isArray(entry.MESSAGE) ? Buffer.from(entry.MESSAGE as number[]).toString() : String(entry.MESSAGE ?? '');
  const time = entry.__REALTIME_TIMESTAMP ? new Date(Number(entry.__REALTIME_TIMESTAMP) / 1000).toISOString() : '';
  const text = `${options.timestamps && time ? `${time} ` : ''}${message}`;
  if (entry.PRIORITY === '3') sink.stderr(text);
  else sink.stdout(text);
}

/** `logs -f` ends when the container does, after the journal has caught up. */
async function stopFollowingWhenExited(engine: Engine, container: ContainerRecord, stop: () => void): Promise<void> {
  for (;;) {
    const current = engine.containers.find(container.id);
    const synced = current ? await syncContainer(engine, current) : undefined;
    if (!synced || (synced.state !== 'running' && synced.state !== 'paused')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  stop();
}
