import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { newId, nowIso } from "../ids.js";
import type {
  Agent,
  ApiKeyRecord,
  EventQuery,
  IngestBatch,
  IngestResult,
  KeyRole,
  Project,
  Store,
  StoredEvent,
} from "../types.js";
import { SQLITE_MIGRATIONS } from "./migrations.js";

type Row = Record<string, unknown>;

const toProject = (r: Row): Project => ({
  id: r.id as string,
  name: r.name as string,
  createdAt: r.created_at as string,
});

const toKey = (r: Row): ApiKeyRecord => ({
  id: r.id as string,
  projectId: r.project_id as string,
  role: r.role as KeyRole,
  prefix: r.prefix as string,
  label: (r.label as string | null) ?? null,
  createdAt: r.created_at as string,
  revokedAt: (r.revoked_at as string | null) ?? null,
});

const toAgent = (r: Row): Agent => ({
  id: r.id as string,
  projectId: r.project_id as string,
  name: r.name as string,
  framework: r.framework as string,
  createdAt: r.created_at as string,
  lastSeenAt: (r.last_seen_at as string | null) ?? null,
  droppedEvents: Number(r.dropped_events),
});

const toEvent = (r: Row): StoredEvent => ({
  id: r.id as string,
  agentId: (r.agent_id as string | null) ?? null,
  type: r.type as string,
  name: r.name as string,
  ts: Number(r.ts),
  receivedAt: Number(r.received_at),
  payload: r.payload as string,
  metadata: r.metadata as string,
  decision: (r.decision as string | null) ?? null,
});

/**
 * The default store: one SQLite file in WAL mode. Every statement is prepared once. better-sqlite3 is
 * synchronous; the methods are async only to share the `Store` port with Postgres.
 */
export class SqliteStore implements Store {
  readonly dialect = "sqlite";
  readonly #db: Database.Database;
  #s!: ReturnType<SqliteStore["prepareAll"]>;
  #ingest!: (projectId: string, batch: IngestBatch) => IngestResult;

  /** `path` is a file (its folder is created) or `:memory:`. */
  constructor(readonly path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma("journal_mode = WAL");
    // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the last commits.
    this.#db.pragma("synchronous = NORMAL");
    this.#db.pragma("foreign_keys = ON");
    this.#db.pragma("busy_timeout = 5000");
  }

  /** The schema version now in the file. */
  get schemaVersion(): number {
    const row = this.#db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as Row | undefined;
    return Number(row?.v ?? 0);
  }

  async migrate(): Promise<void> {
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    );
    const current = this.schemaVersion;
    for (const m of SQLITE_MIGRATIONS) {
      if (m.version <= current) continue;
      this.#db.transaction(() => {
        this.#db.exec(m.sql);
        this.#db
          .prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
          .run(m.version, nowIso());
      })();
    }
    this.#s = this.prepareAll();
    this.#ingest = this.#db.transaction(this.ingestInTransaction.bind(this));
  }

  private prepareAll() {
    const db = this.#db;
    return {
      insertProject: db.prepare("INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)"),
      projectByName: db.prepare("SELECT * FROM projects WHERE name = ?"),
      projectById: db.prepare("SELECT * FROM projects WHERE id = ?"),
      insertKey: db.prepare(
        "INSERT INTO api_keys (id, project_id, role, hash, prefix, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      keyByHash: db.prepare("SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL"),
      keysOfProject: db.prepare("SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at, id"),
      revokeKey: db.prepare(
        "UPDATE api_keys SET revoked_at = ? WHERE project_id = ? AND id = ? AND revoked_at IS NULL",
      ),
      countKeys: db.prepare("SELECT COUNT(*) AS n FROM api_keys"),
      insertAgent: db.prepare(
        "INSERT INTO agents (id, project_id, name, framework, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, name) DO NOTHING",
      ),
      agentByName: db.prepare("SELECT * FROM agents WHERE project_id = ? AND name = ?"),
      agentById: db.prepare("SELECT * FROM agents WHERE project_id = ? AND id = ?"),
      agentsOfProject: db.prepare("SELECT * FROM agents WHERE project_id = ? ORDER BY name"),
      touchAgent: db.prepare("UPDATE agents SET last_seen_at = ? WHERE project_id = ? AND id = ?"),
      agentDrops: db.prepare(
        "UPDATE agents SET dropped_events = dropped_events + ? WHERE project_id = ? AND id = ?",
      ),
      projectDrops: db.prepare("UPDATE projects SET dropped_events = dropped_events + ? WHERE id = ?"),
      insertEvent: db.prepare(
        `INSERT INTO events (project_id, id, agent_id, type, name, ts, received_at, payload, metadata, decision)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, id) DO NOTHING`,
      ),
      idemGet: db.prepare("SELECT response FROM idempotency_keys WHERE project_id = ? AND key = ?"),
      idemPut: db.prepare(
        "INSERT INTO idempotency_keys (project_id, key, response, created_at) VALUES (?, ?, ?, ?)",
      ),
    };
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async createProject(name: string): Promise<Project> {
    const project = { id: newId("prj"), name, createdAt: nowIso() };
    this.#s.insertProject.run(project.id, project.name, project.createdAt);
    return project;
  }

  async findProjectByName(name: string): Promise<Project | null> {
    const row = this.#s.projectByName.get(name) as Row | undefined;
    return row ? toProject(row) : null;
  }

  async getProject(id: string): Promise<Project | null> {
    const row = this.#s.projectById.get(id) as Row | undefined;
    return row ? toProject(row) : null;
  }

  async createApiKey(input: {
    projectId: string;
    role: KeyRole;
    hash: string;
    prefix: string;
    label?: string;
  }): Promise<ApiKeyRecord> {
    const record: ApiKeyRecord = {
      id: newId("key"),
      projectId: input.projectId,
      role: input.role,
      prefix: input.prefix,
      label: input.label ?? null,
      createdAt: nowIso(),
      revokedAt: null,
    };
    this.#s.insertKey.run(
      record.id,
      record.projectId,
      record.role,
      input.hash,
      record.prefix,
      record.label,
      record.createdAt,
    );
    return record;
  }

  async findActiveKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = this.#s.keyByHash.get(hash) as Row | undefined;
    return row ? toKey(row) : null;
  }

  async listApiKeys(projectId: string): Promise<ApiKeyRecord[]> {
    return (this.#s.keysOfProject.all(projectId) as Row[]).map(toKey);
  }

  async revokeApiKey(projectId: string, keyId: string): Promise<boolean> {
    return this.#s.revokeKey.run(nowIso(), projectId, keyId).changes > 0;
  }

  async countApiKeys(): Promise<number> {
    return Number((this.#s.countKeys.get() as Row).n);
  }

  async upsertAgent(projectId: string, name: string, framework: string): Promise<Agent> {
    this.#s.insertAgent.run(newId("agt"), projectId, name, framework, nowIso());
    return toAgent(this.#s.agentByName.get(projectId, name) as Row);
  }

  async findAgent(projectId: string, idOrName: string): Promise<Agent | null> {
    const row = (this.#s.agentById.get(projectId, idOrName) ??
      this.#s.agentByName.get(projectId, idOrName)) as Row | undefined;
    return row ? toAgent(row) : null;
  }

  async listAgents(projectId: string): Promise<Agent[]> {
    return (this.#s.agentsOfProject.all(projectId) as Row[]).map(toAgent);
  }

  async ingestEvents(projectId: string, batch: IngestBatch): Promise<IngestResult> {
    return this.#ingest(projectId, batch);
  }

  private ingestInTransaction(projectId: string, batch: IngestBatch): IngestResult {
    const s = this.#s;
    if (batch.idempotencyKey) {
      const seen = s.idemGet.get(projectId, batch.idempotencyKey) as Row | undefined;
      if (seen) return JSON.parse(seen.response as string) as IngestResult;
    }
    let accepted = 0;
    const agents = new Set<string>();
    for (const e of batch.events) {
      const r = s.insertEvent.run(
        projectId,
        e.id,
        e.agentId,
        e.type,
        e.name,
        e.ts,
        e.receivedAt,
        e.payload,
        e.metadata,
        e.decision,
      );
      accepted += r.changes;
      if (e.agentId) agents.add(e.agentId);
    }
    const now = nowIso();
    for (const id of agents) s.touchAgent.run(now, projectId, id);
    if (batch.dropped > 0) {
      if (batch.dropsAgentId) s.agentDrops.run(batch.dropped, projectId, batch.dropsAgentId);
      else s.projectDrops.run(batch.dropped, projectId);
    }
    const result = { accepted, duplicates: batch.events.length - accepted };
    if (batch.idempotencyKey)
      s.idemPut.run(projectId, batch.idempotencyKey, JSON.stringify(result), Date.now());
    return result;
  }

  async listEvents(projectId: string, q: EventQuery): Promise<StoredEvent[]> {
    const where = ["project_id = ?"];
    const args: unknown[] = [projectId];
    if (q.agentId !== undefined) {
      where.push("agent_id = ?");
      args.push(q.agentId);
    }
    if (q.type !== undefined) {
      where.push("type = ?");
      args.push(q.type);
    }
    if (q.since !== undefined) {
      where.push("ts >= ?");
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push("ts < ?");
      args.push(q.until);
    }
    if (q.after) {
      where.push("(ts, id) < (?, ?)");
      args.push(q.after.ts, q.after.id);
    }
    args.push(q.limit);
    const sql = `SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY ts DESC, id DESC LIMIT ?`;
    return (this.#cached(sql).all(...args) as Row[]).map(toEvent);
  }

  // Event queries vary by which filters are set: a handful of shapes, each prepared once.
  readonly #queries = new Map<string, Database.Statement>();
  #cached(sql: string): Database.Statement {
    let stmt = this.#queries.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#queries.set(sql, stmt);
    }
    return stmt;
  }
}
