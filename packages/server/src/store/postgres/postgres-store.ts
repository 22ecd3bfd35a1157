import pg from "pg";
import { type EventDialect, eventWhere } from "../event-filter.js";
import { newId, nowIso } from "../ids.js";
import {
  type Row,
  SCAN_COLUMNS,
  toAgent,
  toAgentCount,
  toBucket,
  toEvent,
  toKey,
  toProject,
  toScannedEvent,
} from "../rows.js";
import type {
  Agent,
  AgentEventCount,
  AgentPage,
  ApiKeyRecord,
  EventBucket,
  EventCount,
  EventQuery,
  IngestBatch,
  IngestResult,
  KeyRole,
  NewPolicyVersion,
  PolicyActivation,
  PolicyVersion,
  Project,
  PurgeResult,
  RollbackResult,
  ScannedEvent,
  ScanQuery,
  Store,
  StoredEvent,
} from "../types.js";
import { PostgresAlerts } from "./alerts.js";
import { POSTGRES_MIGRATIONS } from "./migrations.js";
import { PgClient, type Queryable } from "./pg-client.js";
import { PostgresPolicyVersions } from "./policy-versions.js";
import { PostgresReceipts } from "./receipts.js";
import { PostgresSessions } from "./sessions.js";
import type { StatementName } from "./statements.js";
import { PostgresSuggestions } from "./suggestions.js";

// Advisory lock keys: one for migrations, one for the first-start key, so that processes starting
// together on one database take turns.
const MIGRATION_LOCK = 778_001;
const FIRST_KEY_LOCK = 778_002;
// Rows per page of scanEvents: larger than SQLite's (see there) for the round trip each page costs.
// Scanning 300,000 events, pages of 1,000 to 10,000 rows took 0.5-0.7 s of CPU alike (within noise).
const SCAN_PAGE = 5000;
const PG_EVENTS: EventDialect = {
  placeholder: (i) => `$${i}`,
  projectColumn: "project_id",
  storedId: (id) => id,
  like: "ILIKE",
};

export interface PostgresStoreOptions {
  connectionString: string;
  /** Connections in the pool. */
  poolSize?: number;
}

/**
 * The store for several stateless server processes on one Postgres database. Holds no state of its
 * own beyond the connection pool: every answer comes from the database.
 */
export class PostgresStore implements Store {
  readonly dialect = "postgres";
  readonly #pool: pg.Pool;
  readonly #queries = new Map<string, string>();
  readonly #db: PgClient;
  readonly #policies: PostgresPolicyVersions;
  readonly alerts: PostgresAlerts;
  readonly receipts: PostgresReceipts;
  readonly sessions: PostgresSessions;
  readonly suggestions: PostgresSuggestions;

  constructor(options: PostgresStoreOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      application_name: "trusera-server",
      // A database that never answers (a dropped route) fails start-up and queries instead of hanging them.
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection that dies (database restart) must not crash the process; the pool replaces it.
    this.#pool.on("error", () => {});
    this.#db = new PgClient(this.#pool);
    this.#policies = new PostgresPolicyVersions(this.#db);
    this.alerts = new PostgresAlerts(this.#db);
    this.receipts = new PostgresReceipts(this.#db);
    this.sessions = new PostgresSessions(this.#db);
    this.suggestions = new PostgresSuggestions(this.#db);
  }

  private q(name: StatementName, values: unknown[], db?: Queryable): Promise<Row[]> {
    return this.#db.q(name, values, db);
  }

  private one(name: StatementName, values: unknown[], db?: Queryable): Promise<Row | undefined> {
    return this.#db.one(name, values, db);
  }

  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#db.transaction(fn);
  }

  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
      );
      const { rows } = await client.query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations");
      const current = Number(rows[0].v);
      for (const m of POSTGRES_MIGRATIONS) {
        if (m.version <= current) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [
            m.version,
            nowIso(),
          ]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
  }

  /** The schema version now in the database. */
  async schemaVersion(): Promise<number> {
    const { rows } = await this.#pool.query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations");
    return Number(rows[0].v);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async ping(): Promise<void> {
    await this.q("ping", []);
  }

  // Projects and keys

  async createProject(name: string): Promise<Project> {
    const project = { id: newId("prj"), name, createdAt: nowIso() };
    await this.q("insertProject", [project.id, project.name, project.createdAt]);
    return project;
  }

  async findProjectByName(name: string): Promise<Project | null> {
    const row = await this.one("projectByName", [name]);
    return row ? toProject(row) : null;
  }

  async getProject(id: string): Promise<Project | null> {
    const row = await this.one("projectById", [id]);
    return row ? toProject(row) : null;
  }

  async projectsWithEvents(): Promise<string[]> {
    return (await this.q("projectsWithEvents", [])).map((r) => r.id as string);
  }

  async createApiKey(
    input: { projectId: string; role: KeyRole; hash: string; prefix: string; label?: string },
    db: Queryable = this.#pool,
  ): Promise<ApiKeyRecord> {
    const record: ApiKeyRecord = {
      id: newId("key"),
      projectId: input.projectId,
      role: input.role,
      prefix: input.prefix,
      label: input.label ?? null,
      createdAt: nowIso(),
      revokedAt: null,
    };
    await this.q(
      "insertKey",
      [record.id, record.projectId, record.role, input.hash, record.prefix, record.label, record.createdAt],
      db,
    );
    return record;
  }

  async findActiveKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = await this.one("keyByHash", [hash]);
    return row ? toKey(row) : null;
  }

  async listApiKeys(projectId: string): Promise<ApiKeyRecord[]> {
    return (await this.q("keysOfProject", [projectId])).map(toKey);
  }

  async revokeApiKey(projectId: string, keyId: string): Promise<boolean> {
    return (await this.#db.changed("revokeKey", [nowIso(), projectId, keyId])) > 0;
  }

  async countApiKeys(): Promise<number> {
    return Number((await this.one("countKeys", []))!.n);
  }

  async createFirstApiKey(input: { projectName: string; hash: string; prefix: string; label: string }) {
    return this.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [FIRST_KEY_LOCK]);
      if (Number((await this.one("countKeys", [], client))!.n) > 0) return null;
      const existing = await this.one("projectByName", [input.projectName], client);
      let project: Project;
      if (existing) project = toProject(existing);
      else {
        project = { id: newId("prj"), name: input.projectName, createdAt: nowIso() };
        await this.q("insertProject", [project.id, project.name, project.createdAt], client);
      }
      const key = await this.createApiKey({ projectId: project.id, role: "admin", ...input }, client);
      return { project, key };
    });
  }

  // Agents

  async upsertAgent(projectId: string, name: string, framework: string): Promise<Agent> {
    await this.q("insertAgent", [newId("agt"), projectId, name, framework, nowIso()]);
    return toAgent((await this.one("agentByName", [projectId, name]))!);
  }

  async registerAgent(
    projectId: string,
    input: { name: string; framework: string; metadata?: string },
  ): Promise<Agent> {
    const row = await this.one("registerAgent", [
      newId("agt"),
      projectId,
      input.name,
      input.framework,
      nowIso(),
      input.metadata ?? null,
    ]);
    return toAgent(row!);
  }

  async findAgent(projectId: string, idOrName: string): Promise<Agent | null> {
    const row = await this.one("agentByIdOrName", [projectId, idOrName]);
    return row ? toAgent(row) : null;
  }

  async listAgents(projectId: string, page: AgentPage = { limit: 10_000 }): Promise<Agent[]> {
    return (await this.q("agentsOfProject", [projectId, page.afterName ?? "", page.limit])).map(toAgent);
  }

  async recordHeartbeat(projectId: string, agentId: string, metadata?: string): Promise<boolean> {
    return (await this.#db.changed("heartbeat", [nowIso(), metadata ?? null, projectId, agentId])) > 0;
  }

  // Events

  async ingestEvents(projectId: string, batch: IngestBatch): Promise<IngestResult> {
    const n = batch.events.length;
    const cols = {
      id: new Array<string>(n),
      agentId: new Array<string | null>(n),
      type: new Array<string>(n),
      name: new Array<string>(n),
      ts: new Array<number>(n),
      payload: new Array<string>(n),
      metadata: new Array<string>(n),
      decision: new Array<string | null>(n),
    };
    const agents = new Set<string>();
    let receivedAt = 0;
    for (let i = 0; i < n; i++) {
      const e = batch.events[i]!;
      cols.id[i] = e.id;
      cols.agentId[i] = e.agentId;
      cols.type[i] = e.type;
      cols.name[i] = e.name;
      cols.ts[i] = e.ts;
      cols.payload[i] = e.payload;
      cols.metadata[i] = e.metadata;
      cols.decision[i] = e.decision;
      receivedAt = e.receivedAt;
      if (e.agentId) agents.add(e.agentId);
    }
    const now = Date.now();
    try {
      const row = await this.one("ingest", [
        projectId,
        cols.id,
        cols.agentId,
        cols.type,
        cols.name,
        cols.ts,
        cols.payload,
        cols.metadata,
        cols.decision,
        receivedAt || now * 1000,
        new Date(now).toISOString(),
        new Date(now - 1000).toISOString(),
        [...agents],
        batch.dropped,
        batch.dropsAgentId,
        batch.idempotencyKey ?? null,
        n,
        now,
      ]);
      const accepted = Number(row?.accepted ?? 0);
      const result = { accepted, duplicates: n - accepted };
      return batch.returnInserted ? { ...result, inserted: (row?.ids as string[] | null) ?? [] } : result;
    } catch (err) {
      if (batch.idempotencyKey && isUniqueViolation(err, "idempotency_keys_pkey")) {
        const seen = await this.one("idemGet", [projectId, batch.idempotencyKey]);
        if (seen) {
          const answer = JSON.parse(seen.response as string) as IngestResult;
          // A replay stores nothing: nothing is new.
          return batch.returnInserted ? { ...answer, inserted: [] } : answer;
        }
      }
      throw err;
    }
  }

  async listEvents(projectId: string, q: EventQuery): Promise<StoredEvent[]> {
    const { where, args } = eventWhere(projectId, q, PG_EVENTS);
    args.push(q.limit);
    const text = `SELECT * FROM events WHERE ${where} ORDER BY ts DESC, id DESC LIMIT $${args.length}`;
    const res = await this.#pool.query({ name: this.queryName(text), text, values: args });
    return (res.rows as Row[]).map(toEvent);
  }

  async *scanEvents(projectId: string, scan: ScanQuery): AsyncIterable<ScannedEvent[]> {
    const { pageSize = SCAN_PAGE, ...q } = scan;
    let after: EventQuery["after"];
    for (let left = q.limit; left > 0; ) {
      const limit = Math.min(pageSize, left);
      const { where, args } = eventWhere(projectId, after ? { ...q, after } : q, PG_EVENTS);
      args.push(limit);
      const text = `SELECT id, ${SCAN_COLUMNS} FROM events WHERE ${where} ORDER BY ts DESC, id DESC LIMIT $${args.length}`;
      const res = await this.#pool.query({
        name: this.queryName(text),
        text,
        values: args,
        rowMode: "array",
      });
      const rows = res.rows as unknown[][];
      const page = new Array<ScannedEvent>(rows.length);
      for (let i = 0; i < rows.length; i++) page[i] = toScannedEvent(rows[i]!, rows[i]![0] as string);
      left -= rows.length;
      if (page.length > 0) yield page;
      if (rows.length < limit) return;
      after = page.at(-1)!;
    }
  }

  async getEvent(projectId: string, id: string): Promise<StoredEvent | null> {
    const row = await this.one("eventById", [projectId, id]);
    return row ? toEvent(row) : null;
  }

  async summarizeEvents(projectId: string, q: Omit<EventQuery, "limit" | "after">): Promise<EventCount[]> {
    const { where, args } = eventWhere(projectId, q, PG_EVENTS);
    const text = `SELECT type, decision, COUNT(*) AS n FROM events WHERE ${where} GROUP BY type, decision ORDER BY type, decision`;
    const res = await this.#pool.query({ name: this.queryName(text), text, values: args });
    return (res.rows as Row[]).map((r) => ({
      type: r.type as string,
      decision: (r.decision as string | null) ?? null,
      count: Number(r.n),
    }));
  }

  async eventHistogram(
    projectId: string,
    q: { since: number; until: number; bucketMicros: number },
  ): Promise<EventBucket[]> {
    const text = `SELECT (ts / $1) * $1 AS bucket, type, decision, COUNT(*) AS n FROM events
      WHERE project_id = $2 AND ts >= $3 AND ts < $4 GROUP BY 1, type, decision ORDER BY 1, type, decision`;
    const res = await this.#pool.query({
      name: this.queryName(text),
      text,
      values: [q.bucketMicros, projectId, q.since, q.until],
    });
    return (res.rows as Row[]).map(toBucket);
  }

  async countEventsByAgent(
    projectId: string,
    q: { since?: number; until?: number },
  ): Promise<AgentEventCount[]> {
    const { where, args } = eventWhere(projectId, q, PG_EVENTS);
    const text = `SELECT agent_id, COUNT(*) AS events, SUM(CASE WHEN decision IN ('deny', 'warn') THEN 1 ELSE 0 END) AS violations
      FROM events WHERE ${where} GROUP BY agent_id ORDER BY agent_id`;
    const res = await this.#pool.query({ name: this.queryName(text), text, values: args });
    return (res.rows as Row[]).map(toAgentCount);
  }

  // Event queries vary by which filters are set: a handful of shapes, each a named (prepared) query.
  private queryName(text: string): string {
    let name = this.#queries.get(text);
    if (!name) {
      name = `events_q${this.#queries.size}`;
      this.#queries.set(text, name);
    }
    return name;
  }

  async purgeExpired(input: {
    eventsBefore: number | null;
    idempotencyKeysBefore: number;
    limit: number;
  }): Promise<PurgeResult> {
    let events = 0;
    if (input.eventsBefore !== null) {
      for (const { id } of await this.q("projectIds", [])) {
        const left = input.limit - events;
        if (left <= 0) break;
        events += await this.#db.changed("purgeEvents", [id, input.eventsBefore, left]);
      }
    }
    const idempotencyKeys = await this.#db.changed("purgeIdem", [input.idempotencyKeysBefore, input.limit]);
    return { events, idempotencyKeys };
  }

  // Policies (see policy-versions.ts)

  createPolicyVersion(projectId: string, input: NewPolicyVersion): Promise<PolicyVersion> {
    return this.#policies.create(projectId, input);
  }

  getPolicyVersion(projectId: string, id: string): Promise<PolicyVersion | null> {
    return this.#policies.get(projectId, id);
  }

  listPolicyVersions(
    projectId: string,
    page: { limit: number; beforeNumber?: number },
  ): Promise<PolicyVersion[]> {
    return this.#policies.list(projectId, page);
  }

  getActivePolicy(
    projectId: string,
  ): Promise<{ version: PolicyVersion; activation: PolicyActivation } | null> {
    return this.#policies.active(projectId);
  }

  activatePolicyVersion(projectId: string, versionId: string, byKeyId: string) {
    return this.#policies.activate(projectId, versionId, byKeyId);
  }

  rollbackPolicy(projectId: string, byKeyId: string): Promise<RollbackResult> {
    return this.#policies.rollback(projectId, byKeyId);
  }

  listPolicyActivations(projectId: string, limit: number): Promise<PolicyActivation[]> {
    return this.#policies.activations(projectId, limit);
  }
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === "23505" && e.constraint === constraint;
}
