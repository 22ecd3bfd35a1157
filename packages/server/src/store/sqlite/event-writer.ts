import type Database from "better-sqlite3";
import type { Row } from "../rows.js";
import type { IngestBatch, IngestResult } from "../types.js";

const EVENT_COLUMNS = 10;
// Rows per multi-row INSERT: 10 columns x 100 rows stays far below SQLite's 32,766 parameters.
const INSERT_CHUNK = 100;

export interface GroupJob {
  projectId: string;
  batch: IngestBatch;
}

export type GroupOutcome = { result: IngestResult } | { error: unknown };

/**
 * Stores batches of events in SQLite, a group of batches per transaction (group commit), each batch
 * in its own savepoint: atomic alone, with its own result, while the group shares one commit. Used on
 * the store's own connection, or on a connection of its own in a worker thread (writer-thread.ts).
 */
export class SqliteEventWriter {
  readonly #db: Database.Database;
  readonly #inserts = new Map<number, Database.Statement>();
  readonly #s;
  readonly #group: (jobs: GroupJob[]) => GroupOutcome[];

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = {
      // Touching an agent on every batch would write its row hundreds of times a second; once a second is enough.
      touchAgent: db.prepare(
        "UPDATE agents SET last_seen_at = ? WHERE project_id = ? AND id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)",
      ),
      agentDrops: db.prepare(
        "UPDATE agents SET dropped_events = dropped_events + ? WHERE project_id = ? AND id = ?",
      ),
      projectDrops: db.prepare("UPDATE projects SET dropped_events = dropped_events + ? WHERE id = ?"),
      // Each new row gets the table's largest rowid plus one (no row is ever given the maximum rowid,
      // so SQLite never picks one at random): the rows one INSERT stored are the `changes` rowids up to
      // its last_insert_rowid.
      idsAbove: db.prepare("SELECT id FROM events WHERE rowid > ? ORDER BY rowid").pluck(),
      idemGet: db.prepare("SELECT response FROM idempotency_keys WHERE project_id = ? AND key = ?"),
      idemPut: db.prepare(
        "INSERT INTO idempotency_keys (project_id, key, response, created_at) VALUES (?, ?, ?, ?)",
      ),
    };
    // Inside the group's transaction, better-sqlite3 runs a nested transaction as a savepoint.
    const one = db.transaction((projectId: string, batch: IngestBatch) => this.ingestOne(projectId, batch));
    const group = db.transaction((jobs: GroupJob[]) =>
      jobs.map((job): GroupOutcome => {
        try {
          return { result: one(job.projectId, job.batch) };
        } catch (error) {
          return { error };
        }
      }),
    );
    // IMMEDIATE takes the write lock at BEGIN, so that a second writer never fails halfway.
    this.#group = (jobs) => group.immediate(jobs);
  }

  /** Stores every batch of the group in one transaction; a failing batch rolls back alone. */
  ingestGroup(jobs: GroupJob[]): GroupOutcome[] {
    return this.#group(jobs);
  }

  private insertStatement(rows: number): Database.Statement {
    let stmt = this.#inserts.get(rows);
    if (!stmt) {
      const tuple = `(${new Array(EVENT_COLUMNS).fill("?").join(", ")})`;
      stmt = this.#db.prepare(
        `INSERT INTO events (project_id, id, agent_id, type, name, ts, received_at, payload, metadata, decision)
         VALUES ${new Array(rows).fill(tuple).join(", ")} ON CONFLICT (project_id, id) DO NOTHING`,
      );
      this.#inserts.set(rows, stmt);
    }
    return stmt;
  }

  private ingestOne(projectId: string, batch: IngestBatch): IngestResult {
    const s = this.#s;
    if (batch.idempotencyKey) {
      const seen = s.idemGet.get(projectId, batch.idempotencyKey) as Row | undefined;
      if (seen) {
        const answer = JSON.parse(seen.response as string) as IngestResult;
        // A replay stores nothing: nothing is new.
        return batch.returnInserted ? { ...answer, inserted: [] } : answer;
      }
    }
    let accepted = 0;
    const inserted: string[] | null = batch.returnInserted ? [] : null;
    const agents = new Set<string>();
    const events = batch.events;
    for (let start = 0; start < events.length; start += INSERT_CHUNK) {
      const end = Math.min(events.length, start + INSERT_CHUNK);
      const args: unknown[] = new Array((end - start) * EVENT_COLUMNS);
      let i = 0;
      for (let k = start; k < end; k++) {
        const e = events[k]!;
        args[i++] = projectId;
        args[i++] = e.id;
        args[i++] = e.agentId;
        args[i++] = e.type;
        args[i++] = e.name;
        args[i++] = e.ts;
        args[i++] = e.receivedAt;
        args[i++] = e.payload;
        args[i++] = e.metadata;
        args[i++] = e.decision;
        if (e.agentId) agents.add(e.agentId);
      }
      // `RETURNING id` would name the stored rows, but costs a quarter of ingest; nearly every batch
      // stores all its rows, and only when one did not are they looked up (by rowid, see idsAbove).
      const { changes, lastInsertRowid } = this.insertStatement(end - start).run(args);
      accepted += changes;
      if (inserted) {
        if (changes === end - start) for (let k = start; k < end; k++) inserted.push(events[k]!.id);
        else if (changes > 0)
          for (const id of s.idsAbove.all(Number(lastInsertRowid) - changes) as string[]) inserted.push(id);
      }
    }
    const now = new Date();
    const cutoff = new Date(now.getTime() - 1000).toISOString();
    for (const id of agents) s.touchAgent.run(now.toISOString(), projectId, id, cutoff);
    if (batch.dropped > 0) {
      if (batch.dropsAgentId) s.agentDrops.run(batch.dropped, projectId, batch.dropsAgentId);
      else s.projectDrops.run(batch.dropped, projectId);
    }
    const result = { accepted, duplicates: events.length - accepted };
    if (batch.idempotencyKey)
      s.idemPut.run(projectId, batch.idempotencyKey, JSON.stringify(result), Date.now());
    return inserted ? { ...result, inserted } : result;
  }
}
