/**
 * The fixed statements of the Postgres store. Each is sent as a named query, so every pooled
 * connection prepares it once and reuses the plan.
 */
export const SQL = {
  ping: "SELECT 1",
  insertProject: "INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3)",
  projectByName: "SELECT * FROM projects WHERE name = $1",
  projectById: "SELECT * FROM projects WHERE id = $1",
  lockProject: "SELECT id FROM projects WHERE id = $1 FOR UPDATE",
  projectIds: "SELECT id FROM projects ORDER BY id",
  projectsWithEvents:
    "SELECT id FROM projects AS p WHERE EXISTS (SELECT 1 FROM events WHERE project_id = p.id) ORDER BY id",
  insertKey:
    "INSERT INTO api_keys (id, project_id, role, hash, prefix, label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
  keyByHash: "SELECT * FROM api_keys WHERE hash = $1 AND revoked_at IS NULL",
  keysOfProject: "SELECT * FROM api_keys WHERE project_id = $1 ORDER BY created_at, id",
  revokeKey: "UPDATE api_keys SET revoked_at = $1 WHERE project_id = $2 AND id = $3 AND revoked_at IS NULL",
  countKeys: "SELECT COUNT(*) AS n FROM api_keys",

  insertAgent: `INSERT INTO agents (id, project_id, name, framework, created_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (project_id, name) DO NOTHING`,
  registerAgent: `INSERT INTO agents (id, project_id, name, framework, created_at, metadata) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (project_id, name) DO UPDATE SET framework = excluded.framework,
      metadata = COALESCE(excluded.metadata, agents.metadata)
    RETURNING *`,
  agentByName: "SELECT * FROM agents WHERE project_id = $1 AND name = $2",
  agentById: "SELECT * FROM agents WHERE project_id = $1 AND id = $2",
  agentByIdOrName:
    "SELECT * FROM agents WHERE project_id = $1 AND (id = $2 OR name = $2) ORDER BY (id = $2) DESC LIMIT 1",
  agentsOfProject: "SELECT * FROM agents WHERE project_id = $1 AND name > $2 ORDER BY name LIMIT $3",
  heartbeat: `UPDATE agents SET last_heartbeat_at = $1, last_seen_at = $1, metadata = COALESCE($2, metadata)
    WHERE project_id = $3 AND id = $4`,

  /**
   * A whole batch in one statement, so one round trip and atomic without BEGIN/COMMIT: the events
   * (arrays unnested into rows; a duplicate id is skipped), the agents' last-seen time (at most once a
   * second per agent, so that concurrent batches rarely wait on an agent's row lock), the reported
   * drops, and the idempotency record. A second batch with the same Idempotency-Key fails on the
   * record's primary key, which rolls the whole statement back; the caller then answers the stored result.
   *
   * $1 project, $2-$9 event columns as arrays, $10 received_at, $11 now (ISO), $12 last-seen cutoff (ISO),
   * $13 agent ids to touch, $14 dropped, $15 agent the drops belong to (or null: the project),
   * $16 idempotency key (or null), $17 batch size, $18 now (ms).
   */
  ingest: `WITH input AS (
      SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[])
        AS t(id, agent_id, type, name, ts, payload, metadata, decision)
    ), inserted AS (
      INSERT INTO events (project_id, id, agent_id, type, name, ts, received_at, payload, metadata, decision)
      SELECT $1, id, agent_id, type, name, ts, $10, payload, metadata, decision FROM input
      ON CONFLICT (project_id, id) DO NOTHING
      RETURNING id
    ), agent_updates AS (
      UPDATE agents SET last_seen_at = $11,
        dropped_events = dropped_events + CASE WHEN id = $15::text THEN $14::bigint ELSE 0 END
      WHERE project_id = $1 AND (
        (id = ANY($13::text[]) AND (last_seen_at IS NULL OR last_seen_at < $12))
        OR (id = $15::text AND $14::bigint > 0))
      RETURNING 1
    ), project_drops AS (
      UPDATE projects SET dropped_events = dropped_events + $14::bigint
      WHERE id = $1 AND $14::bigint > 0 AND $15::text IS NULL
      RETURNING 1
    ), counted AS (
      SELECT COUNT(*)::int AS accepted, array_agg(id) AS ids FROM inserted
    ), idempotency AS (
      INSERT INTO idempotency_keys (project_id, key, response, created_at)
      SELECT $1, $16::text, json_build_object('accepted', accepted, 'duplicates', $17::int - accepted)::text, $18::bigint
      FROM counted WHERE $16::text IS NOT NULL
      RETURNING 1
    )
    SELECT accepted, ids FROM counted`,
  idemGet: "SELECT response FROM idempotency_keys WHERE project_id = $1 AND key = $2",
  eventById: "SELECT * FROM events WHERE project_id = $1 AND id = $2",
  purgeEvents: `DELETE FROM events WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM events WHERE project_id = $1 AND ts < $2 LIMIT $3))`,
  purgeIdem: `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2))`,

  nextPolicyNumber: "SELECT COALESCE(MAX(number), 0) + 1 AS n FROM policy_versions WHERE project_id = $1",
  insertPolicy: `INSERT INTO policy_versions (id, project_id, number, digest, policies, schema_text, default_decision,
      description, author_key_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  policyById: "SELECT * FROM policy_versions WHERE project_id = $1 AND id = $2",
  policiesPage:
    "SELECT * FROM policy_versions WHERE project_id = $1 AND number < $2 ORDER BY number DESC LIMIT $3",
  topActivation: "SELECT * FROM policy_activations WHERE project_id = $1 ORDER BY seq DESC LIMIT 1",
  activePolicy: `SELECT v.*, a.seq, a.version_id, a.kind, a.activated_by, a.activated_at
    FROM (SELECT * FROM policy_activations WHERE project_id = $1 ORDER BY seq DESC LIMIT 1) a
    JOIN policy_versions v ON v.id = a.version_id AND v.project_id = a.project_id`,
  activationBySeq: "SELECT * FROM policy_activations WHERE project_id = $1 AND seq = $2",
  insertActivation: `INSERT INTO policy_activations (project_id, version_id, below_seq, kind, activated_by, activated_at)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`,
  activations: "SELECT * FROM policy_activations WHERE project_id = $1 ORDER BY seq DESC LIMIT $2",
} as const;

export type StatementName = keyof typeof SQL;
