import type { EventQuery } from "./types.js";

/**
 * The WHERE clause of an event query, shared by the dialects, which differ only in how a parameter is
 * written (`?` or `$1`). Every clause starts with the project: no query can leave it.
 */
export function eventWhere(
  projectId: string,
  q: Omit<EventQuery, "limit">,
  placeholder: (index: number) => string,
): { where: string; args: unknown[] } {
  const args: unknown[] = [];
  const p = (value: unknown) => {
    args.push(value);
    return placeholder(args.length);
  };
  const where = [`project_id = ${p(projectId)}`];
  if (q.agentId !== undefined) where.push(`agent_id = ${p(q.agentId)}`);
  if (q.type !== undefined) where.push(`type = ${p(q.type)}`);
  if (q.decision === "none") where.push("decision IS NULL");
  else if (q.decision === "violation") where.push("decision IN ('deny', 'warn')");
  else if (q.decision !== undefined) where.push(`decision = ${p(q.decision)}`);
  if (q.since !== undefined) where.push(`ts >= ${p(q.since)}`);
  if (q.until !== undefined) where.push(`ts < ${p(q.until)}`);
  if (q.after) where.push(`(ts, id) < (${p(q.after.ts)}, ${p(q.after.id)})`);
  return { where: where.join(" AND "), args };
}
