import type Database from "better-sqlite3";
import { openSqliteReader } from "../store/sqlite/connection.js";
import { type PrepareRaw, scanSqliteEvents } from "../store/sqlite/event-scan.js";
import { SQL } from "../store/sqlite/statements.js";
import type { ScanPart, ScanQuery } from "../store/types.js";
import type { ReplayCounts, ReplayTally } from "./replay-tally.js";

/** A replay shared by threads: each takes the next part of the window (see `claim`) until none is left. */
export interface ThreadedJob {
  path: string;
  projectId: string;
  projectKey: number;
  query: Omit<ScanQuery, "limit" | "pageSize">;
  parts: ScanPart[];
  /** One Int32: the index of the next part to take, shared by the threads. */
  next: SharedArrayBuffer;
  /**
   * The candidate as the engine's JSON of each policy (CompiledPolicySet.policyJson), compiled there,
   * and the key that names it in this process (a thread keeps what it compiled for the same key).
   */
  candidate: { key: number; policies: readonly (readonly [id: string, json: unknown])[] };
  maxExamples: number;
}

/** Rows per page, as the store's own scan reads them (sqlite-store.ts says why). */
const PAGE = 1000;

/** Index of the next part of the job nobody has taken, or -1 when all are taken. */
export function claim(job: ThreadedJob): number {
  const i = Atomics.add(new Int32Array(job.next), 0, 1);
  return i < job.parts.length ? i : -1;
}

/** Stops the job: no thread takes another part. */
export function stopJob(job: ThreadedJob): void {
  Atomics.store(new Int32Array(job.next), 0, job.parts.length);
}

/** Counts part `index` of the job, read on `reader`'s connection. */
export async function countPart(
  tally: ReplayTally,
  reader: SqliteReader,
  job: ThreadedJob,
  index: number,
): Promise<ReplayCounts> {
  const part = job.parts[index]!;
  const pages = scanSqliteEvents(
    reader.prepare,
    job.projectKey,
    { ...job.query, limit: part.limit },
    PAGE,
    part,
    true, // ids read only for the few events that need one (the next page's keyset, examples)
  );
  return (await tally.count(pages, part.limit)).counts;
}

/** `reader` when it reads `path`, else a new reader of `path` (`reader` is closed). */
export function readerOf(reader: SqliteReader | null, path: string): SqliteReader {
  if (reader?.path === path) return reader;
  reader?.close();
  return new SqliteReader(path);
}

/** A read-only connection to one database file, with its statements prepared once. */
export class SqliteReader {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #agentById: Database.Statement;
  readonly #agentByName: Database.Statement;

  constructor(readonly path: string) {
    this.#db = openSqliteReader(path);
    // The store's own statements (findAgent's), on this connection.
    this.#agentById = this.#db.prepare(SQL.agentById);
    this.#agentByName = this.#db.prepare(SQL.agentByName);
  }

  readonly prepare: PrepareRaw = (sql) => {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql).raw(true);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  };

  /** As the store's `findAgent(projectId, agentId)?.name`: by id, or failing that by name. */
  agentName(projectId: string, agentId: string): string | null {
    const row = (this.#agentById.get(projectId, agentId) ?? this.#agentByName.get(projectId, agentId)) as
      | { name: string }
      | undefined;
    return row?.name ?? null;
  }

  close(): void {
    this.#db.close();
  }
}
