import type Database from "better-sqlite3";
import type { Row } from "../rows.js";
import type { IngestBatch, IngestResult } from "../types.js";
import { fromStoredId, toStoredId } from "./event-ids.js";

const EVENT_COLUMNS = 10;
// Rows per multi-row INSERT: 10 columns x 100 rows stays far below SQLite's 32,766 parameters.
const INSERT_CHUNK = 100;

export interface GroupJob {
  projectId: string;
  /** The project's key in the events table (migration 5). */
  projectKey: number;
  batch: IngestBatch;
}

export type GroupOutcome = { result: IngestResult } | { error: unknown };

// The event columns declared NOT NULL, checked here before a batch writes anything (see ingestOne).
const REQUIRED = ["id", "type", "name", "ts", "receivedAt", "payload", "metadata"] as const;

/**
 * Stores batches of events in SQLite, a group of batches per transaction (group commit): each batch
 * atomic alone, with its own result, while the group shares one commit. Used on the store's own
 * connection, or on a connection of its own in a worker thread (writer-thread.ts).
 *
 * No savepoints and no statement journal: SQLite copies every page a savepoint or a multi-row statement
 * touches first into a journal of its own, and random (v4) event ids touch a different index page with
 * nearly every row; a profile of the writer alone spent 15% of its time there. Instead a batch with a
 * missing column fails before it writes anything (the others go on), rows are inserted with OR IGNORE
 * (nothing left that could abort a statement halfway), and any other error (disk full, say) rolls the
 * group back and its batches are written again, each in a transaction of its own, so that only the
 * failing one fails.
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
    const write = (job: GroupJob): GroupOutcome => {
      const invalid = missingColumn(job.batch);
      return invalid ? { error: invalid } : { result: this.ingestOne(job) };
    };
    const group = db.transaction((jobs: GroupJob[]) => jobs.map(write));
    const alone = db.transaction(write);
    // IMMEDIATE takes the write lock at BEGIN, so that a second writer never fails halfway.
    this.#group = (jobs) => {
      try {
        return group.immediate(jobs);
      } catch (error) {
        if (jobs.length === 1) return [{ error }];
        return jobs.map((job): GroupOutcome => {
          try {
            return alone.immediate(job);
          } catch (error) {
            return { error };
          }
        });
      }
    };
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
        // OR IGNORE skips a row whose (project_key, id) is stored already, as ON CONFLICT DO NOTHING
        // would; it would skip a row with a NULL in a NOT NULL column too, which missingColumn rules out.
        `INSERT OR IGNORE INTO events (project_key, id, agent_id, type, name, ts, received_at, payload, metadata, decision)
         VALUES ${new Array(rows).fill(tuple).join(", ")}`,
      );
      this.#inserts.set(rows, stmt);
    }
    return stmt;
  }

  private ingestOne({ projectId, projectKey, batch }: GroupJob): IngestResult {
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
        args[i++] = projectKey;
        args[i++] = toStoredId(e.id);
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
          for (const id of s.idsAbove.all(Number(lastInsertRowid) - changes)) inserted.push(fromStoredId(id));
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

/** Why a batch cannot be stored as it is: an event without a value for a NOT NULL column. */
function missingColumn(batch: IngestBatch): Error | null {
  for (const e of batch.events)
    for (const column of REQUIRED)
      if (e[column] == null) return new Error(`event ${e.id ?? "without id"}: ${column} is missing`);
  return null;
}
