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
  {
    version: 2,
    description: 'images and their layers',
    // layers: one row per unpacked layer, keyed by chain ID (OCI config.md "Layer ChainID")
    // so images sharing a base share its directories. A row exists only once the layer's
    // directory was renamed into place complete; a directory without a row is garbage.
    // images.id is the config digest's hex, as podman's image IDs.
    sql: `
      CREATE TABLE layers (
        chain_id    TEXT PRIMARY KEY,
        parent      TEXT REFERENCES layers(chain_id),
        diff_id     TEXT NOT NULL,
        blob_digest TEXT,
        size        INTEGER NOT NULL CHECK (size >= 0),
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE TABLE images (
        id              TEXT PRIMARY KEY CHECK (length(id) = 64),
        manifest_digest TEXT NOT NULL,
        manifest_type   TEXT NOT NULL,
        config_digest   TEXT NOT NULL,
        config          TEXT NOT NULL,
        size            INTEGER NOT NULL CHECK (size >= 0),
        created         TEXT,
        pulled_at       TEXT NOT NULL
      ) STRICT;
      CREATE TABLE image_layers (
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        position INTEGER NOT NULL CHECK (position >= 0),
        chain_id TEXT NOT NULL REFERENCES layers(chain_id),
        PRIMARY KEY (image_id, position)
      ) STRICT;
      CREATE INDEX image_layers_by_chain ON image_layers(chain_id);
      CREATE TABLE image_names (
        name     TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        added_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX image_names_by_image ON image_names(image_id);
      CREATE TABLE image_digests (
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        repo_digest TEXT NOT NULL,
        PRIMARY KEY (image_id, repo_digest)
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: 'containers',
    // What docker keeps in config.v2.json + hostconfig.json: the create request (JSON, as
    // given, so inspect and generate systemd can replay it) and the lifecycle state.
    // image_id has no ON DELETE: an image in use cannot vanish under a container.
    sql: `
      CREATE TABLE containers (
        id          TEXT PRIMARY KEY CHECK (length(id) = 64),
        name        TEXT NOT NULL UNIQUE,
        image_id    TEXT NOT NULL REFERENCES images(id),
        image_name  TEXT NOT NULL,
        config      TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('created', 'running', 'paused', 'exited', 'removing')),
        monitor     TEXT CHECK (monitor IN ('conmon', 'foreground')),
        pid         INTEGER,
        monitor_pid INTEGER,
        exit_code   INTEGER,
        oom_killed  INTEGER NOT NULL DEFAULT 0 CHECK (oom_killed IN (0, 1)),
        created_at  TEXT NOT NULL,
        started_at  TEXT,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX containers_by_image ON containers(image_id);
      CREATE INDEX containers_by_state ON containers(state);
    `,
  },
  {
    version: 4,
    description: 'named volumes',
    sql: `
      CREATE TABLE volumes (
        name       TEXT PRIMARY KEY,
        driver     TEXT NOT NULL DEFAULT 'local' CHECK (driver = 'local'),
        labels     TEXT NOT NULL DEFAULT '{}',
        anonymous  INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
        created_at TEXT NOT NULL
      ) STRICT;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
