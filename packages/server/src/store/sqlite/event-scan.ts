import type Database from "better-sqlite3";
import { type EventDialect, eventWhere } from "../event-filter.js";
import { SCAN_COLUMNS, toScannedEvent } from "../rows.js";
import type { EventPosition, ScannedEvent, ScanPart, ScanQuery } from "../types.js";
import { fromScannedId, SCANNED_ID, toStoredId } from "./event-ids.js";

/** A raw (array-row) statement for SQL text, prepared once per connection by the caller. */
export type PrepareRaw = (sql: string) => Database.Statement;

// The events table names its project by key and keeps UUIDs as bytes (migration 5, event-ids.ts).
export const SQLITE_EVENTS: EventDialect = {
  placeholder: () => "?",
  projectColumn: "project_key",
  storedId: toStoredId,
  like: "LIKE",
};

/**
 * The pages of a scan (newest first), read on the connection `prepare` belongs to: the store's own, or
 * a read-only one on another thread (policies/replay-thread.ts). `part` bounds it to a range of the
 * scan's order, as `splitSqliteScan` cut it.
 *
 * With `idsWhenRead`, an event's id is read when asked for (by its rowid, at most twice a page for the
 * next page's keyset and an example kept): a replay needs the ids of a few events, and the id's text
 * built in SQL then in JS for every row cost ~0.5-1 µs of its ~5 µs per event. Ask for it while the
 * page is fresh (a rowid names the same row until a VACUUM, which the server never runs).
 */
export function* scanSqliteEvents(
  prepare: PrepareRaw,
  projectKey: number | null,
  scan: ScanQuery,
  pageSize: number,
  part?: ScanPart,
  idsWhenRead = false,
): Generator<ScannedEvent[]> {
  const { pageSize: _, ...q } = scan;
  const idOf = idsWhenRead ? (rowid: number) => idByRowid(prepare, rowid) : null;
  let after: EventPosition | undefined = part?.after ?? undefined;
  const through = part?.through ?? undefined;
  for (let left = part ? Math.min(part.limit, q.limit) : q.limit; left > 0; ) {
    const limit = Math.min(pageSize, left);
    const { where, args } = eventWhere(projectKey, after ? { ...q, after } : q, SQLITE_EVENTS);
    const sql = `SELECT ${idOf ? "rowid" : SCANNED_ID}, ${SCAN_COLUMNS} FROM events WHERE ${where}${through ? THROUGH : ""} ORDER BY ts DESC, id DESC LIMIT ?`;
    if (through) args.push(through.ts, through.ts, toStoredId(through.id));
    args.push(limit);
    const rows = prepare(sql).all(...args) as unknown[][];
    const page = new Array<ScannedEvent>(rows.length);
    if (idOf) for (let i = 0; i < rows.length; i++) page[i] = new IdWhenRead(rows[i]!, idOf);
    else
      for (let i = 0; i < rows.length; i++)
        page[i] = toScannedEvent(rows[i]!, fromScannedId(rows[i]![0] as string));
    left -= rows.length;
    if (page.length > 0) yield page;
    if (rows.length < limit) return;
    after = page.at(-1)!;
  }
}

const ID_BY_ROWID = `SELECT ${SCANNED_ID} FROM events WHERE rowid = ?`;

function idByRowid(prepare: PrepareRaw, rowid: number): string {
  const row = prepare(ID_BY_ROWID).get(rowid) as [string] | undefined;
  if (!row) throw new Error(`event at rowid ${rowid} is gone (purged while the replay read it)`);
  return fromScannedId(row[0]);
}

/** A scanned event (a row of rowid then SCAN_COLUMNS) whose id is read on its connection when asked. */
class IdWhenRead implements ScannedEvent {
  readonly agentId: string | null;
  readonly type: string;
  readonly name: string;
  readonly ts: number;
  readonly payload: string;
  readonly metadata: string;
  readonly decision: string | null;
  readonly #rowid: number;
  readonly #idOf: (rowid: number) => string;
  #id: string | null = null;

  constructor(r: unknown[], idOf: (rowid: number) => string) {
    this.#rowid = r[0] as number;
    this.#idOf = idOf;
    this.agentId = (r[1] as string | null) ?? null;
    this.type = r[2] as string;
    this.name = r[3] as string;
    this.ts = Number(r[4]);
    this.payload = r[5] as string;
    this.metadata = r[6] as string;
    this.decision = (r[7] as string | null) ?? null;
  }

  get id(): string {
    this.#id ??= this.#idOf(this.#rowid);
    return this.#id;
  }
}

// A part's last event, inclusive; `ts >=` repeats what the row value implies, for the planner's index range.
const THROUGH = " AND ts >= ? AND (ts, id) >= (?, ?)";

/**
 * Cuts a scan's first `limit` events into `count` consecutive parts of equal size (the last one
 * shorter), in scan order, so that threads can share the scan part by part; `more` is true when the
 * window holds more than `limit`. Reads only the index (the time and id of each part's last event).
 */
export function splitSqliteScan(
  prepare: PrepareRaw,
  projectKey: number,
  scan: Omit<ScanQuery, "pageSize">,
  count: number,
): { parts: ScanPart[]; total: number; more: boolean } {
  const { where, args } = eventWhere(projectKey, scan, SQLITE_EVENTS);
  const counted = prepare(`SELECT count(*) FROM (SELECT 1 FROM events WHERE ${where} LIMIT ?)`).get(
    ...args,
    scan.limit + 1,
  ) as [number];
  const more = counted[0] > scan.limit;
  const total = Math.min(counted[0], scan.limit);
  const size = Math.max(1, Math.ceil(total / count));
  const parts: ScanPart[] = [];
  let after: EventPosition | null = null;
  for (let start = 0; start < total; start += size) {
    if (start + size >= total) {
      parts.push({ after, through: null, limit: total - start });
      break;
    }
    const w = eventWhere(projectKey, after ? { ...scan, after } : scan, SQLITE_EVENTS);
    const row = prepare(
      `SELECT ts, ${SCANNED_ID} FROM events WHERE ${w.where} ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ?`,
    ).get(...w.args, size - 1) as [number, string] | undefined;
    if (!row) {
      // Fewer events than counted (a purge in between): the rest is one part.
      parts.push({ after, through: null, limit: total - start });
      break;
    }
    const through = { ts: Number(row[0]), id: fromScannedId(row[1]) };
    parts.push({ after, through, limit: size });
    after = through;
  }
  return { parts, total, more };
}
