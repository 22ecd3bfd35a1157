/**
 * Versioned schema for Postgres, the same shape as SQLite's (see ../sqlite/migrations.ts) written in
 * Postgres' own terms. A migration is never edited once released: add a new one.
 * Event ids sort with the C collation so that page cursors compare bytes, as in SQLite.
 */
export const POSTGRES_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  dropped_events BIGINT NOT NULL DEFAULT 0
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
  name TEXT COLLATE "C" NOT NULL,
  framework TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT,
  dropped_events BIGINT NOT NULL DEFAULT 0,
  UNIQUE (project_id, name)
);
CREATE TABLE events (
  project_id TEXT NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  agent_id TEXT,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  ts BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  payload TEXT NOT NULL,
  metadata TEXT NOT NULL,
  decision TEXT,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX events_project_ts ON events(project_id, ts DESC, id DESC);
CREATE INDEX events_agent_ts ON events(project_id, agent_id, ts DESC, id DESC);
CREATE INDEX events_type_ts ON events(project_id, type, ts DESC, id DESC);
CREATE TABLE idempotency_keys (
  project_id TEXT NOT NULL,
  key TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at BIGINT NOT NULL,
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
CREATE TABLE policy_activations (
  seq BIGSERIAL PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  version_id TEXT NOT NULL REFERENCES policy_versions(id),
  below_seq BIGINT,
  kind TEXT NOT NULL CHECK (kind IN ('activate', 'rollback')),
  activated_by TEXT NOT NULL,
  activated_at TEXT NOT NULL
);
CREATE INDEX policy_activations_project ON policy_activations(project_id, seq DESC);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
`,
  },
  {
    // Dashboard sessions, alerts and uploaded receipts.
    version: 3,
    sql: `
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  project_id TEXT NOT NULL REFERENCES projects(id),
  key_id TEXT,
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE alert_rules (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('violation', 'rate', 'silent', 'match')),
  enabled INTEGER NOT NULL,
  params TEXT NOT NULL,
  channels TEXT NOT NULL,
  cooldown_seconds INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX alert_rules_project ON alert_rules(project_id, created_at);
-- When each rule last fired for each condition: the cooldown, kept across restarts and processes.
CREATE TABLE alert_conditions (
  rule_id TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  project_id TEXT NOT NULL,
  last_fired_at BIGINT NOT NULL,
  PRIMARY KEY (rule_id, condition_key)
);
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  condition_key TEXT NOT NULL,
  fired_at BIGINT NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX alerts_project ON alerts(project_id, fired_at DESC);
CREATE INDEX alerts_rule ON alerts(project_id, rule_id, fired_at DESC);
CREATE TABLE alert_deliveries (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT NOT NULL DEFAULT 0,
  last_status_code INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt_at);
CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id);
CREATE TABLE receipt_keys (
  project_id TEXT NOT NULL REFERENCES projects(id),
  kid TEXT NOT NULL,
  jwk TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (project_id, kid)
);
CREATE TABLE receipt_chains (
  project_id TEXT NOT NULL REFERENCES projects(id),
  id TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  head_seq BIGINT NOT NULL,
  head_hash TEXT NOT NULL,
  receipts BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_verification TEXT,
  PRIMARY KEY (project_id, id)
);
-- One row per verified receipt; (chain, seq) unique, so that a chain can never fork in storage.
CREATE TABLE receipts (
  project_id TEXT NOT NULL,
  hash TEXT COLLATE "C" NOT NULL,
  chain_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  prev_hash TEXT NOT NULL,
  receipt_id TEXT NOT NULL,
  kid TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  action TEXT NOT NULL,
  action_class TEXT NOT NULL,
  outcome TEXT NOT NULL,
  execution_status TEXT NOT NULL,
  occurred_at TEXT COLLATE "C" NOT NULL,
  body TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (project_id, hash),
  UNIQUE (project_id, chain_id, seq)
);
CREATE INDEX receipts_occurred ON receipts(project_id, occurred_at DESC, hash DESC);
CREATE INDEX receipts_receipt_id ON receipts(project_id, receipt_id);
CREATE TABLE receipt_rejections (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  chain_id TEXT,
  receipt_id TEXT,
  seq BIGINT,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX receipt_rejections_project ON receipt_rejections(project_id, at DESC);
`,
  },
  {
    // Ascending event indexes, as in SQLite's migration 4: new (time-ordered) entries land on the
    // rightmost leaf, where Postgres's B-tree inserts fastest and splits pages unevenly to keep them
    // full. Queries scan them backwards for ORDER BY ts DESC, id DESC.
    version: 4,
    sql: `
DROP INDEX events_project_ts;
DROP INDEX events_agent_ts;
DROP INDEX events_type_ts;
CREATE INDEX events_project_ts ON events(project_id, ts, id);
CREATE INDEX events_agent_ts ON events(project_id, agent_id, ts, id);
CREATE INDEX events_type_ts ON events(project_id, type, ts, id);
`,
  },
  {
    // Rejected policy suggestions, as in SQLite's migration 6.
    version: 5,
    sql: `
CREATE TABLE suggestion_rejections (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  project_id TEXT NOT NULL,
  suggestion_id TEXT NOT NULL,
  evidence_fingerprint TEXT NOT NULL,
  evidence_count INTEGER NOT NULL,
  rejected_by TEXT NOT NULL,
  rejected_at TEXT NOT NULL
);
CREATE INDEX suggestion_rejections_project ON suggestion_rejections(project_id, suggestion_id, seq);
`,
  },
];
