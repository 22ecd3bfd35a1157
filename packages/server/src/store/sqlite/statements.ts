import type Database from "better-sqlite3";

/** The fixed statements of the SQLite store, prepared once when the store opens (see `prepareStatements`). */
export const SQL = {
  ping: "SELECT 1",
  // A project's key names it in the events table (see migration 5): the next integer, never reused.
  insertProject:
    "INSERT INTO projects (id, name, created_at, key) VALUES (?, ?, ?, (SELECT COALESCE(MAX(key), 0) + 1 FROM projects))",
  projectKey: "SELECT key FROM projects WHERE id = ?",
  projectByName: "SELECT * FROM projects WHERE name = ?",
  projectById: "SELECT * FROM projects WHERE id = ?",
  projectKeys: "SELECT key FROM projects ORDER BY key",
  projectsWithEvents:
    "SELECT id FROM projects AS p WHERE EXISTS (SELECT 1 FROM events WHERE project_key = p.key) ORDER BY id",
  insertKey:
    "INSERT INTO api_keys (id, project_id, role, hash, prefix, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  keyByHash: "SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL",
  keysOfProject: "SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at, id",
  revokeKey: "UPDATE api_keys SET revoked_at = ? WHERE project_id = ? AND id = ? AND revoked_at IS NULL",
  countKeys: "SELECT COUNT(*) AS n FROM api_keys",

  insertAgent:
    "INSERT INTO agents (id, project_id, name, framework, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, name) DO NOTHING",
  registerAgent: `INSERT INTO agents (id, project_id, name, framework, created_at, metadata) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, name) DO UPDATE SET framework = excluded.framework,
         metadata = COALESCE(excluded.metadata, agents.metadata)`,
  agentByName: "SELECT * FROM agents WHERE project_id = ? AND name = ?",
  agentById: "SELECT * FROM agents WHERE project_id = ? AND id = ?",
  agentsOfProject: "SELECT * FROM agents WHERE project_id = ? AND name > ? ORDER BY name LIMIT ?",
  heartbeat:
    "UPDATE agents SET last_heartbeat_at = ?, last_seen_at = ?, metadata = COALESCE(?, metadata) WHERE project_id = ? AND id = ?",

  eventById: "SELECT * FROM events WHERE project_key = ? AND id = ?",
  purgeEvents:
    "DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE project_key = ? AND ts < ? LIMIT ?)",
  purgeIdem:
    "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < ? LIMIT ?)",

  nextPolicyNumber: "SELECT COALESCE(MAX(number), 0) + 1 AS n FROM policy_versions WHERE project_id = ?",
  insertPolicy: `INSERT INTO policy_versions (id, project_id, number, digest, policies, schema_text, default_decision,
         description, author_key_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  policyById: "SELECT * FROM policy_versions WHERE project_id = ? AND id = ?",
  policiesPage:
    "SELECT * FROM policy_versions WHERE project_id = ? AND number < ? ORDER BY number DESC LIMIT ?",
  topActivation: "SELECT * FROM policy_activations WHERE project_id = ? ORDER BY seq DESC LIMIT 1",
  activationBySeq: "SELECT * FROM policy_activations WHERE project_id = ? AND seq = ?",
  insertActivation: `INSERT INTO policy_activations (project_id, version_id, below_seq, kind, activated_by, activated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
  activations: "SELECT * FROM policy_activations WHERE project_id = ? ORDER BY seq DESC LIMIT ?",
} as const;

export type Statements = { readonly [K in keyof typeof SQL]: Database.Statement };

export function prepareStatements(db: Database.Database): Statements {
  const out: Record<string, Database.Statement> = {};
  for (const [name, text] of Object.entries(SQL)) out[name] = db.prepare(text);
  return out as Statements;
}
