/**
 * Versioned schema for SQLite. A migration is never edited once released: add a new one.
 * Times of events are integer microseconds; other times are ISO-8601 text.
 */
export const SQLITE_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  dropped_events INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  role TEXT NOT NULL CHECK (role IN ('admin', 'ingest')),
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  label TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_keys_project ON api_keys(project_id);
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  framework TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT,
  dropped_events INTEGER NOT NULL DEFAULT 0,
  UNIQUE (project_id, name)
);
CREATE TABLE events (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  agent_id TEXT,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  metadata TEXT NOT NULL,
  decision TEXT
);
CREATE UNIQUE INDEX events_project_id ON events(project_id, id);
CREATE INDEX events_project_ts ON events(project_id, ts DESC, id DESC);
CREATE INDEX events_agent_ts ON events(project_id, agent_id, ts DESC, id DESC);
CREATE INDEX events_type_ts ON events(project_id, type, ts DESC, id DESC);
CREATE TABLE idempotency_keys (
  project_id TEXT NOT NULL,
  key TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, key)
);
`,
  },
  {
    version: 2,
    sql: `
ALTER TABLE agents ADD COLUMN metadata TEXT;
ALTER TABLE agents ADD COLUMN last_heartbeat_at TEXT;
CREATE TABLE policy_versions (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  number INTEGER NOT NULL,
  digest TEXT NOT NULL,
  policies TEXT NOT NULL,
  schema_text TEXT,
  default_decision TEXT NOT NULL CHECK (default_decision IN ('allow', 'deny')),
  description TEXT,
  author_key_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (project_id, number)
);
-- The stack of activations: the newest row of a project is the active version; below_seq is the row
-- a rollback returns to.
CREATE TABLE policy_activations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL REFERENCES projects(id),
  version_id TEXT NOT NULL REFERENCES policy_versions(id),
  below_seq INTEGER,
  kind TEXT NOT NULL CHECK (kind IN ('activate', 'rollback')),
  activated_by TEXT NOT NULL,
  activated_at TEXT NOT NULL
);
CREATE INDEX policy_activations_project ON policy_activations(project_id, seq DESC);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
`,
  },
];
