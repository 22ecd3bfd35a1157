import type { EventQuery } from "./types.js";

/** How a backend's events table is queried where the dialects differ. */
export interface EventDialect {
  /** How a parameter is written (`?` or `$1`). */
  placeholder: (index: number) => string;
  /** The column naming the project, and the value it holds for the project queried. */
  projectColumn: string;
  /** An event id as the table holds it. */
  storedId: (id: string) => unknown;
  /** The case-insensitive LIKE (SQLite's LIKE is, for ASCII; Postgres needs ILIKE). */
  like: "LIKE" | "ILIKE";
}

/** A LIKE pattern matching `text` anywhere, its wildcards escaped (with `ESCAPE '\\'`). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The WHERE clause of an event query. Every clause starts with the project: no query can leave it. */
export function eventWhere(
  project: unknown,
  q: Omit<EventQuery, "limit">,
  dialect: EventDialect,
): { where: string; args: unknown[] } {
  const { placeholder } = dialect;
  const args: unknown[] = [];
  const p = (value: unknown) => {
    args.push(value);
    return placeholder(args.length);
  };
  const where = [`${dialect.projectColumn} = ${p(project)}`];
  if (q.agentId !== undefined) where.push(`agent_id = ${p(q.agentId)}`);
  if (q.type !== undefined) where.push(`type = ${p(q.type)}`);
  if (q.decision === "none") where.push("decision IS NULL");
  else if (q.decision === "violation") where.push("decision IN ('deny', 'warn')");
  else if (q.decision !== undefined) where.push(`decision = ${p(q.decision)}`);
  if (q.since !== undefined) where.push(`ts >= ${p(q.since)}`);
  // After a position, `ts <= after.ts` is the upper bound when it is the tighter one (see below).
  if (q.until !== undefined && !(q.after && q.after.ts < q.until)) where.push(`ts < ${p(q.until)}`);
  // Metadata is JSON.stringify's text and a trace id only hex, so the pattern has no wildcard in it.
  if (q.traceId !== undefined)
    where.push(
      /^[0-9a-f]{32}$/.test(q.traceId) ? `metadata LIKE ${p(`%"trace_id":"${q.traceId}"%`)}` : "1 = 0",
    );
  // Search: the name or the payload's JSON text contains it, case-insensitively. A scan bounded by the
  // newest-first index order: a page of common matches stops early (docs/dashboard.md has figures).
  if (q.text !== undefined) {
    const pattern = containsPattern(q.text);
    where.push(
      `(name ${dialect.like} ${p(pattern)} ESCAPE '\\' OR payload ${dialect.like} ${p(pattern)} ESCAPE '\\')`,
    );
  }
  // `ts <=` repeats what the row value implies, for SQLite's planner, which bounds an index range by
  // one upper bound per column: with `ts < until` for it, every page of a deep listing stepped over
  // all the rows of the pages before it (quadratic over a large window).
  if (q.after)
    where.push(`ts <= ${p(q.after.ts)}`, `(ts, id) < (${p(q.after.ts)}, ${p(dialect.storedId(q.after.id))})`);
  return { where: where.join(" AND "), args };
}
