import { type Row, toEvent as toStoredEvent } from "../rows.js";
import type { StoredEvent } from "../types.js";

/**
 * How the SQLite store keeps an event id: a UUID (lower case, with dashes: what the server stores
 * after normalizing) as its 16 bytes, any other id as the text it is. Every index of the events table
 * ends in the id, and the unique one is ordered by it alone, so with random (v4) ids each insert lands
 * on a random page; 16 bytes instead of 36 characters put twice as many entries on a page, and the
 * writer dirties and copies to the WAL that many fewer pages. (With the integer project key, see
 * migration 5, the writer alone stored random ids about a third faster.)
 *
 * The mapping is one to one: a blob is always a UUID, text never is one, so nothing collides. Blobs
 * compare byte by byte, which for UUIDs is the order of their text; SQLite orders any text before any
 * blob, so among events of the same microsecond, 32-hex ids list before UUIDs (Postgres compares the
 * text): each backend's order is total and stable, which is what cursors need.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function toStoredId(id: string): string | Buffer {
  if (id.length !== 36 || !UUID.test(id)) return id;
  return Buffer.from(
    id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24),
    "hex",
  );
}

/**
 * An event from a row of the events table, whose id is in stored form. Reading costs about a
 * microsecond more per row than when ids were text (a Buffer per row, formatted here); formatting in
 * SQL (hex, substr) cost twice that. Paging through 100,000 events takes ~5-10% longer for it.
 */
export function toSqliteEvent(row: Row): StoredEvent {
  row.id = fromStoredId(row.id);
  return toStoredEvent(row);
}

export function fromStoredId(stored: unknown): string {
  if (typeof stored === "string") return stored;
  const hex = (stored as Buffer).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id column as scans select it: a UUID's 16 bytes as 32 lower-case hex digits, any other id after
 * a `=` (a text id may itself be 32 hex digits). A blob read by the driver costs a Buffer per row:
 * with the hex text from SQL a scan of 1,000,000 events took 2.1 s of CPU instead of 2.4-2.8 s.
 */
export const SCANNED_ID = "CASE WHEN typeof(id) = 'blob' THEN lower(hex(id)) ELSE '=' || id END";

/** An id selected as SCANNED_ID, as the server names it. */
export function fromScannedId(scanned: string): string {
  if (scanned.charCodeAt(0) === 61 /* = */) return scanned.slice(1);
  return `${scanned.slice(0, 8)}-${scanned.slice(8, 12)}-${scanned.slice(12, 16)}-${scanned.slice(16, 20)}-${scanned.slice(20)}`;
}
