/**
 * The schema, as an ordered list of migrations. A migration is appended, never edited:
 * stores in the field are at every version in between. Each runs inside the transaction
 * that also bumps PRAGMA user_version, so a crash leaves the old or the new schema.
 */

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'store identity',
    sql: `
      CREATE TABLE store (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        created_at TEXT NOT NULL
      ) STRICT;
      INSERT INTO store (id, created_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
