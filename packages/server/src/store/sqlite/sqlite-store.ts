import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { eventWhere } from "../event-filter.js";
import { newId, nowIso } from "../ids.js";
import { type Row, toAgent, toAgentCount, toBucket, toKey, toProject } from "../rows.js";
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
  SplitScan,
  Store,
  StoredEvent,
} from "../types.js";
import { SqliteAlerts } from "./alerts.js";
import { CHECKPOINT_FRAMES, openSqlite } from "./connection.js";
import { toSqliteEvent, toStoredId } from "./event-ids.js";
import { SQLITE_EVENTS, scanSqliteEvents, splitSqliteScan } from "./event-scan.js";
import { type GroupJob, type GroupOutcome, SqliteEventWriter } from "./event-writer.js";
import { SQLITE_MIGRATIONS } from "./migrations.js";
import { SqlitePolicyVersions } from "./policy-versions.js";
import { SqliteReceipts } from "./receipts.js";
import { SqliteSessions } from "./sessions.js";
import { prepareStatements, type Statements } from "./statements.js";
import { SqliteSuggestions } from "./suggestions.js";

interface IngestJob extends GroupJob {
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

// The writer thread's entry, next to this module once built (dist/sqlite-writer.js). Running from
// the TypeScript sources (tests), it is absent and the store writes on its own connection instead.
const WRITER_THREAD = new URL("./sqlite-writer.js", import.meta.url);
const CHECKPOINT_THREAD = new URL("./sqlite-checkpointer.js", import.meta.url);
// Rows per page of scanEvents. Small pages: a page's rows die young (before the garbage collector's
// next scavenge), where larger ones were copied and promoted first. Scanning 1,000,000 events took
// ~2.5 s of CPU in pages of 1,000, ~3.4 s with 2,500, ~4.8 s with 5,000, ~5.7 s with 10,000 (one run,
// side by side; listEvents pages of 5,000: ~6.9 s); 250 and 500 were no faster than 1,000.
const SCAN_PAGE = 1000;

export interface SqliteStoreOptions {
  /**
   * `thread`: events are written by a worker thread on a connection of its own, so that ingest uses a
   * second core; `inline`: on the store's connection. Default: `thread` when the built worker exists
   * and the file is not `:memory:` (env TRUSERA_SQLITE_WRITER overrides).
   */
  writer?: "thread" | "inline";
}

/**
 * The default store: one SQLite file in WAL mode. Every statement is prepared once. better-sqlite3 is
 * synchronous; the methods are async only to share the `Store` port with Postgres.
 */
export class SqliteStore implements Store {
  readonly dialect = "sqlite";
  readonly #db: Database.Database;
  #s!: Statements;
  #tx!: { firstKey: SqliteStore["firstKeyInTransaction"] };
  #policies!: SqlitePolicyVersions;
  #alerts!: SqliteAlerts;
  #receipts!: SqliteReceipts;
  #sessions!: SqliteSessions;
  #suggestions!: SqliteSuggestions;
  // Batches waiting for the next group commit (see ingestEvents), and whether a group is being written.
  #pending: IngestJob[] = [];
  #flushScheduled = false;
  /** Groups handed to the writer and not answered yet (see `flush`). */
  readonly #inFlight = new Set<Promise<void>>();
  #writer: ((jobs: GroupJob[]) => Promise<GroupOutcome[]>) | null = null;
  #worker: Worker | null = null;
  #checkpointer: Worker | null = null;
  readonly #writerMode: "thread" | "inline";
  // Event queries vary by which filters are set: a handful of shapes, each prepared once.
  readonly #queries = new Map<string, Database.Statement>();
  // Project id -> its key in the events table. Keys never change and projects are never deleted.
  readonly #projectKeys = new Map<string, number>();

  /** `path` is a file (its folder is created) or `:memory:`. */
  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.#db = openSqlite(path);
    const wanted = options.writer ?? (process.env.TRUSERA_SQLITE_WRITER as "thread" | "inline" | undefined);
    const canThread = path !== ":memory:" && existsSync(fileURLToPath(WRITER_THREAD));
    this.#writerMode = wanted === "inline" || !canThread ? "inline" : "thread";
  }

  get alerts(): SqliteAlerts {
    return this.#alerts;
  }

  get receipts(): SqliteReceipts {
    return this.#receipts;
  }

  get sessions(): SqliteSessions {
    return this.#sessions;
  }

  get suggestions(): SqliteSuggestions {
    return this.#suggestions;
  }

  /** Where events are written: on a worker thread or on the store's own connection. */
  get writerMode(): "thread" | "inline" {
    return this.#writerMode;
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
    this.#s = prepareStatements(this.#db);
    // IMMEDIATE takes the write lock at BEGIN, so that a second process never fails halfway (SQLITE_BUSY on upgrade).
    const tx = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const t = this.#db.transaction(fn);
      return (...args: A): R => t.immediate(...args);
    };
    this.#tx = { firstKey: tx(this.firstKeyInTransaction.bind(this)) };
    this.#policies = new SqlitePolicyVersions(this.#db, this.#s);
    this.#alerts = new SqliteAlerts(this.#db);
    this.#receipts = new SqliteReceipts(this.#db);
    this.#sessions = new SqliteSessions(this.#db);
    this.#suggestions = new SqliteSuggestions(this.#db);
    // migrate() may run again (it is idempotent); the writer starts once.
    this.#writer ??= this.#writerMode === "thread" ? this.startWriterThread() : this.inlineWriter();
  }

  private inlineWriter(): (jobs: GroupJob[]) => Promise<GroupOutcome[]> {
    const writer = new SqliteEventWriter(this.#db);
    return async (jobs) => writer.ingestGroup(jobs);
  }

  private startWriterThread(): (jobs: GroupJob[]) => Promise<GroupOutcome[]> {
    // Checkpoints move to a thread of their own (checkpoint-thread.ts): neither the writer nor this
    // thread ever waits for one.
    const walFull = new SharedArrayBuffer(4);
    const worker = new Worker(WRITER_THREAD, { workerData: { path: this.path, walFull } });
    this.#worker = worker;
    this.startCheckpointThread(worker, walFull);
    // The thread answers groups in the order it was given them (see flush: at most two at once).
    const waiting: { resolve: (o: GroupOutcome[]) => void; reject: (e: unknown) => void }[] = [];
    worker.on("message", (m: { outcomes: ({ result: IngestResult } | { error: string })[] }) => {
      waiting
        .shift()
        ?.resolve(
          m.outcomes.map((o) => ("error" in o ? { error: new Error(`sqlite writer: ${o.error}`) } : o)),
        );
    });
    // A writer that died fails every later batch at once (500s, and the log says why) rather than hang.
    let dead: Error | null = null;
    const fail = (err: Error) => {
      dead ??= err;
      for (const w of waiting.splice(0)) w.reject(err);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`sqlite writer thread exited (${code})`)));
    return (jobs) =>
      new Promise((resolve, reject) => {
        if (dead) return reject(dead);
        waiting.push({ resolve, reject });
        worker.postMessage({
          jobs: jobs.map((j) => ({ projectId: j.projectId, projectKey: j.projectKey, batch: j.batch })),
        });
      });
  }

  private startCheckpointThread(writer: Worker, walFull: SharedArrayBuffer): void {
    this.#db.pragma("wal_autocheckpoint = 0");
    const thread = new Worker(CHECKPOINT_THREAD, { workerData: { path: this.path, walFull } });
    this.#checkpointer = thread;
    const reported = new Set<string>();
    thread.on("message", (m: { error: string }) => {
      if (reported.has(m.error)) return;
      reported.add(m.error);
      process.emitWarning(`sqlite checkpoint failed (tried again every quarter second): ${m.error}`);
    });
    // If the thread dies (or never starts), SQLite's own checkpoint takes over on both connections: the
    // WAL never grows unchecked.
    const takeOver = () => {
      if (this.#checkpointer !== thread) return;
      this.#checkpointer = null;
      if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${CHECKPOINT_FRAMES}`);
      if (writer.threadId !== -1) writer.postMessage({ autoCheckpoint: true });
    };
    thread.on("error", (err) => {
      process.emitWarning(`sqlite checkpoint thread failed: ${err.message}`);
      takeOver();
    });
    thread.on("exit", takeOver);
  }

  /** Stops a worker thread of the store: it closes its connection and exits. */
  private async stopThread(worker: Worker | null): Promise<void> {
    if (!worker || worker.threadId === -1) return;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.postMessage({ close: true });
    await exited;
  }

  async close(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#pending.length > 0) {
      if (this.#inFlight.size === 0) this.flush();
      await Promise.all([...this.#inFlight]);
    }
    const checkpointer = this.#checkpointer;
    this.#checkpointer = null;
    await this.stopThread(checkpointer);
    const worker = this.#worker;
    this.#worker = null;
    await this.stopThread(worker);
    if (this.#db.open) this.#db.close();
  }

  async ping(): Promise<void> {
    this.#s.ping.get();
  }

  // Projects and keys

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

  async projectsWithEvents(): Promise<string[]> {
    return this.#s.projectsWithEvents.pluck().all() as string[];
  }

  async createApiKey(input: {
    projectId: string;
    role: KeyRole;
    hash: string;
    prefix: string;
    label?: string;
  }): Promise<ApiKeyRecord> {
    return this.insertKey(input);
  }

  private insertKey(input: {
    projectId: string;
    role: KeyRole;
    hash: string;
    prefix: string;
    label?: string;
  }): ApiKeyRecord {
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

  async createFirstApiKey(input: { projectName: string; hash: string; prefix: string; label: string }) {
    return this.#tx.firstKey(input);
  }

  private firstKeyInTransaction(input: {
    projectName: string;
    hash: string;
    prefix: string;
    label: string;
  }): { project: Project; key: ApiKeyRecord } | null {
    if (Number((this.#s.countKeys.get() as Row).n) > 0) return null;
    const existing = this.#s.projectByName.get(input.projectName) as Row | undefined;
    let project: Project;
    if (existing) project = toProject(existing);
    else {
      project = { id: newId("prj"), name: input.projectName, createdAt: nowIso() };
      this.#s.insertProject.run(project.id, project.name, project.createdAt);
    }
    const key = this.insertKey({ projectId: project.id, role: "admin", ...input });
    return { project, key };
  }

  // Agents

  async upsertAgent(projectId: string, name: string, framework: string): Promise<Agent> {
    this.#s.insertAgent.run(newId("agt"), projectId, name, framework, nowIso());
    return toAgent(this.#s.agentByName.get(projectId, name) as Row);
  }

  async registerAgent(
    projectId: string,
    input: { name: string; framework: string; metadata?: string },
  ): Promise<Agent> {
    this.#s.registerAgent.run(
      newId("agt"),
      projectId,
      input.name,
      input.framework,
      nowIso(),
      input.metadata ?? null,
    );
    return toAgent(this.#s.agentByName.get(projectId, input.name) as Row);
  }

  async findAgent(projectId: string, idOrName: string): Promise<Agent | null> {
    const row = (this.#s.agentById.get(projectId, idOrName) ??
      this.#s.agentByName.get(projectId, idOrName)) as Row | undefined;
    return row ? toAgent(row) : null;
  }

  async listAgents(projectId: string, page: AgentPage = { limit: 10_000 }): Promise<Agent[]> {
    return (this.#s.agentsOfProject.all(projectId, page.afterName ?? "", page.limit) as Row[]).map(toAgent);
  }

  async recordHeartbeat(projectId: string, agentId: string, metadata?: string): Promise<boolean> {
    const now = nowIso();
    return this.#s.heartbeat.run(now, now, metadata ?? null, projectId, agentId).changes > 0;
  }

  // Events

  /**
   * Group commit: batches that arrive while a group is being written (concurrent requests) are written
   * together next, in one transaction: each stays atomic with its own result (see event-writer.ts), and
   * one commit serves them all. The group is written by the writer thread when there is one.
   */
  ingestEvents(projectId: string, batch: IngestBatch): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      const projectKey = this.projectKey(projectId);
      if (projectKey === null) return reject(new Error(`no project ${projectId}`));
      this.#pending.push({ projectId, projectKey, batch, resolve, reject });
      if (!this.#flushScheduled && this.#inFlight.size < this.maxInFlight) {
        this.#flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Groups the writer may hold at once. The writer thread gets a second group while it writes the
   * first, so that it never waits for this thread (busy parsing a request, say) to collect its answer
   * and send more: under load it sat idle about a sixth of the time. Measured side by side in one window,
   * 0-14% more events/s (the machine's two cores are then the limit). The thread writes groups in order.
   */
  private get maxInFlight(): number {
    return this.#writerMode === "thread" ? 2 : 1;
  }

  private flush(): void {
    this.#flushScheduled = false;
    if (this.#inFlight.size >= this.maxInFlight || this.#pending.length === 0) return;
    const jobs = this.#pending;
    this.#pending = [];
    const written: Promise<void> = this.#writer!(jobs)
      .then(
        (outcomes) => {
          outcomes.forEach((o, i) => {
            if ("error" in o) jobs[i]!.reject(o.error);
            else jobs[i]!.resolve(o.result);
          });
        },
        (err) => {
          for (const job of jobs) job.reject(err);
        },
      )
      .finally(() => {
        this.#inFlight.delete(written);
        if (this.#pending.length > 0) this.flush();
      });
    this.#inFlight.add(written);
  }

  async listEvents(projectId: string, q: EventQuery): Promise<StoredEvent[]> {
    const { where, args } = eventWhere(this.projectKey(projectId), q, SQLITE_EVENTS);
    args.push(q.limit);
    const sql = `SELECT * FROM events WHERE ${where} ORDER BY ts DESC, id DESC LIMIT ?`;
    return (this.cached(sql).all(...args) as Row[]).map(toSqliteEvent);
  }

  async *scanEvents(projectId: string, scan: ScanQuery): AsyncIterable<ScannedEvent[]> {
    yield* scanSqliteEvents(this.#prepareRaw, this.projectKey(projectId), scan, scan.pageSize ?? SCAN_PAGE);
  }

  async splitScan(
    projectId: string,
    q: Omit<ScanQuery, "pageSize">,
    parts: number,
  ): Promise<SplitScan | null> {
    const projectKey = this.projectKey(projectId);
    if (this.path === ":memory:" || projectKey === null) return null;
    return { path: this.path, projectKey, ...splitSqliteScan(this.#prepareRaw, projectKey, q, parts) };
  }

  async getEvent(projectId: string, id: string): Promise<StoredEvent | null> {
    const row = this.#s.eventById.get(this.projectKey(projectId), toStoredId(id)) as Row | undefined;
    return row ? toSqliteEvent(row) : null;
  }

  /** The key of a project in the events table, or null for a project that does not exist. */
  private projectKey(projectId: string): number | null {
    let key = this.#projectKeys.get(projectId);
    if (key === undefined) {
      const found = this.#s.projectKey.get(projectId) as { key: number } | undefined;
      if (!found) return null;
      key = found.key;
      this.#projectKeys.set(projectId, key);
    }
    return key;
  }

  async summarizeEvents(projectId: string, q: Omit<EventQuery, "limit" | "after">): Promise<EventCount[]> {
    const { where, args } = eventWhere(this.projectKey(projectId), q, SQLITE_EVENTS);
    const sql = `SELECT type, decision, COUNT(*) AS n FROM events WHERE ${where} GROUP BY type, decision ORDER BY type, decision`;
    return (this.cached(sql).all(...args) as Row[]).map((r) => ({
      type: r.type as string,
      decision: (r.decision as string | null) ?? null,
      count: Number(r.n),
    }));
  }

  async eventHistogram(
    projectId: string,
    q: { since: number; until: number; bucketMicros: number },
  ): Promise<EventBucket[]> {
    const sql = `SELECT ts - (ts % ?) AS bucket, type, decision, COUNT(*) AS n FROM events
      WHERE project_key = ? AND ts >= ? AND ts < ? GROUP BY bucket, type, decision ORDER BY bucket, type, decision`;
    return (this.cached(sql).all(q.bucketMicros, this.projectKey(projectId), q.since, q.until) as Row[]).map(
      toBucket,
    );
  }

  async countEventsByAgent(
    projectId: string,
    q: { since?: number; until?: number },
  ): Promise<AgentEventCount[]> {
    const { where, args } = eventWhere(this.projectKey(projectId), q, SQLITE_EVENTS);
    const sql = `SELECT agent_id, COUNT(*) AS events, SUM(CASE WHEN decision IN ('deny', 'warn') THEN 1 ELSE 0 END) AS violations
      FROM events WHERE ${where} GROUP BY agent_id ORDER BY agent_id`;
    return (this.cached(sql).all(...args) as Row[]).map(toAgentCount);
  }

  async purgeExpired(input: {
    eventsBefore: number | null;
    idempotencyKeysBefore: number;
    limit: number;
  }): Promise<PurgeResult> {
    let events = 0;
    if (input.eventsBefore !== null) {
      for (const key of this.#s.projectKeys.pluck().all() as number[]) {
        const left = input.limit - events;
        if (left <= 0) break;
        events += this.#s.purgeEvents.run(key, input.eventsBefore, left).changes;
      }
    }
    const idempotencyKeys = this.#s.purgeIdem.run(input.idempotencyKeysBefore, input.limit).changes;
    return { events, idempotencyKeys };
  }

  /** A statement of its own (not shared with `cached`) that returns rows as arrays. */
  readonly #prepareRaw = (sql: string) => this.cachedRaw(sql);

  private cachedRaw(sql: string): Database.Statement {
    const key = `raw:${sql}`;
    let stmt = this.#queries.get(key);
    if (!stmt) {
      stmt = this.#db.prepare(sql).raw(true);
      this.#queries.set(key, stmt);
    }
    return stmt;
  }

  private cached(sql: string): Database.Statement {
    let stmt = this.#queries.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#queries.set(sql, stmt);
    }
    return stmt;
  }

  // Policies (see policy-versions.ts)

  async createPolicyVersion(projectId: string, input: NewPolicyVersion): Promise<PolicyVersion> {
    return this.#policies.create(projectId, input);
  }

  async getPolicyVersion(projectId: string, id: string): Promise<PolicyVersion | null> {
    return this.#policies.get(projectId, id);
  }

  async listPolicyVersions(
    projectId: string,
    page: { limit: number; beforeNumber?: number },
  ): Promise<PolicyVersion[]> {
    return this.#policies.list(projectId, page);
  }

  async getActivePolicy(
    projectId: string,
  ): Promise<{ version: PolicyVersion; activation: PolicyActivation } | null> {
    return this.#policies.active(projectId);
  }

  async activatePolicyVersion(projectId: string, versionId: string, byKeyId: string) {
    return this.#policies.activate(projectId, versionId, byKeyId);
  }

  async rollbackPolicy(projectId: string, byKeyId: string): Promise<RollbackResult> {
    return this.#policies.rollback(projectId, byKeyId);
  }

  async listPolicyActivations(projectId: string, limit: number): Promise<PolicyActivation[]> {
    return this.#policies.activations(projectId, limit);
  }
}
