/**
 * The store's SQLite database (better-sqlite3). Every tpod command is a short-lived
 * process that opens it, does one change, and exits, so the settings here are for that:
 *
 * - WAL journal: readers (`tpod ps`) never wait for a writer, and a commit is one append.
 *   synchronous=FULL makes every commit durable: a kill -9 or power cut loses nothing
 *   that a command reported done.
 * - A long busy timeout: concurrent tpod processes queue instead of failing, and only a
 *   lock held past it becomes an error naming the database.
 * - Writes use BEGIN IMMEDIATE: taking the write lock up front means two processes never
 *   deadlock upgrading read locks (SQLite would fail one with SQLITE_BUSY at once).
 * - The schema carries a version (PRAGMA user_version); migrations run in one
 *   transaction, and a database from a newer tpod is refused rather than damaged.
 */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CorruptError, TpodError, UnavailableError, fromSystemError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export const DATABASE_FILE = 'tpod.db';
export const DEFAULT_BUSY_TIMEOUT_MS = 30_000;

export interface StateDatabaseOptions {
  busyTimeoutMs?: number;
}

export class StateDatabase {
  readonly path: string;
  private readonly db: Database.Database;

  constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
  }

  /** Runs `fn` in one write transaction: all of it commits, or none of it does. */
  write<T>(fn: (db: Database.Database) => T): T {
    return this.guard(() => this.db.transaction(() => fn(this.db)).immediate());
  }

  /** Runs `fn` in one read transaction: a consistent snapshot across several queries. */
  read<T>(fn: (db: Database.Database) => T): T {
    return this.guard(() => this.db.transaction(() => fn(this.db)).deferred());
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  get journalMode(): string {
    return this.db.pragma('journal_mode', { simple: true }) as string;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translateSqliteError(err, this.path);
    }
  }
}

/**
 * better-sqlite3's compiled addon, named directly: without it the package looks for it
 * through `bindings`, which tries a dozen paths and reads package.json files on every open.
 */
function sqliteAddonPath(): string {
  sqliteAddon ??= createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  return sqliteAddon;
}
let sqliteAddon: string | undefined;

export function openStateDatabase(root: string, options: StateDatabaseOptions = {}): StateDatabase {
  const path = join(root, DATABASE_FILE);
  try {
    // 0700: the store holds other users' secrets (auth, env) and, rootless, the user's own.
    mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw fromSystemError(err, `creating the store at ${root}`);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, nativeBinding: sqliteAddonPath() });
    // 0600 before the first write: SQLite gives the -wal and -shm files the database's mode.
    if (db.pragma('user_version', { simple: true }) === 0) chmodSync(path, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const state = new StateDatabase(path, db);
    migrate(state, db);
    return state;
  } catch (err) {
    db?.close();
    throw translateSqliteError(err, path);
  }
}

function migrate(state: StateDatabase, db: Database.Database): void {
  const current = state.schemaVersion;
  if (current > SCHEMA_VERSION) {
    throw new CorruptError(
      `database ${state.path} has schema version ${current}, newer than this tpod understands (${SCHEMA_VERSION})`,
      { hint: 'upgrade tpod, or point --root at another store' },
    );
  }
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read inside the write lock: another tpod may have migrated while we waited.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (const migration of MIGRATIONS.filter((m) => m.version > version)) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}

/** SQLite result codes become typed errors naming the database file. */
export function translateSqliteError(err: unknown, path: string): unknown {
  if (err instanceof TpodError || !(err instanceof Error)) return err;
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new UnavailableError(`database ${path} is locked by another tpod process for too long`, {
      cause: err,
      hint: 'wait for the other tpod command to finish, or find it with `fuser ' + path + '`',
    });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new CorruptError(`database ${path} is damaged: ${err.message}`, { cause: err });
  }
  if (code.startsWith('SQLITE_FULL') || code.startsWith('SQLITE_IOERR')) {
    return fromSystemError(Object.assign(err, { code: code.startsWith('SQLITE_FULL') ? 'ENOSPC' : code }), `writing database ${path}`);
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new UnavailableError(`cannot open database ${path}: ${err.message}`, { cause: err });
  }
  return err;
}
