// The SQLite store: created with its schema, durable settings, refusing newer schemas,
// and turning lock and corruption into one-line errors that name the database.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CorruptError, UnavailableError } from '../../src/errors.js';
import { DATABASE_FILE, openStateDatabase } from '../../src/state/database.js';
import { SCHEMA_VERSION } from '../../src/state/migrations.js';

describe('state database', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tpod-state-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the store at the current schema version in WAL mode', () => {
    const state = openStateDatabase(join(root, 'store'));
    assert.equal(state.schemaVersion, SCHEMA_VERSION);
    assert.equal(state.journalMode, 'wal');
    assert.equal(state.path, join(root, 'store', DATABASE_FILE));
    state.close();
  });

  it('opens an existing store without re-running migrations', () => {
    const first = openStateDatabase(root);
    const created = first.read((db) => db.prepare('SELECT created_at FROM store').pluck().get());
    first.close();
    const second = openStateDatabase(root);
    assert.equal(second.read((db) => db.prepare('SELECT created_at FROM store').pluck().get()), created);
    assert.equal(second.read((db) => db.prepare('SELECT count(*) FROM store').pluck().get()), 1);
    second.close();
  });

  it('rolls back every step of a failed write transaction', () => {
    const state = openStateDatabase(root);
    state.write((db) => db.exec('CREATE TABLE t (v INTEGER)'));
    assert.throws(() =>
      state.write((db) => {
        db.prepare('INSERT INTO t VALUES (1)').run();
        throw new Error('step two failed');
      }),
    );
    assert.equal(state.read((db) => db.prepare('SELECT count(*) FROM t').pluck().get()), 0);
    state.close();
  });

  it('refuses a database written by a newer tpod', () => {
    openStateDatabase(root).close();
    const raw = new Database(join(root, DATABASE_FILE));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => openStateDatabase(root), (err: unknown) => {
      assert.ok(err instanceof CorruptError);
      assert.match(err.message, /schema version \d+, newer than this tpod understands/);
      return true;
    });
  });

  it('reports a damaged database file by path', () => {
    writeFileSync(join(root, DATABASE_FILE), 'this is not an sqlite database, just text '.repeat(200));
    assert.throws(() => openStateDatabase(root), (err: unknown) => {
      assert.ok(err instanceof CorruptError);
      assert.ok(err.message.startsWith(`database ${join(root, DATABASE_FILE)} is damaged`));
      return true;
    });
  });

  it('reports a write lock held past the busy timeout', () => {
    openStateDatabase(root).close();
    const holder = new Database(join(root, DATABASE_FILE));
    holder.exec('BEGIN IMMEDIATE');
    const state = openStateDatabase(root, { busyTimeoutMs: 50 });
    assert.throws(() => state.write((db) => db.exec('UPDATE store SET created_at = created_at')), (err: unknown) => {
      assert.ok(err instanceof UnavailableError);
      assert.match(err.message, /is locked by another tpod process for too long$/);
      return true;
    });
    holder.exec('ROLLBACK');
    holder.close();
    state.close();
  });
});
