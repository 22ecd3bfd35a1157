import { newId, nowIso } from "../ids.js";
import { type Row, toSuggestionRejection } from "../rows.js";
import type { SuggestionRejection, SuggestionStore } from "../types.js";
import type { PgClient } from "./pg-client.js";

const SQL = {
  insert: `INSERT INTO suggestion_rejections (id, project_id, suggestion_id, evidence_fingerprint, evidence_count, rejected_by, rejected_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  latest: `SELECT r.* FROM suggestion_rejections r WHERE r.project_id = $1 AND r.seq = (
      SELECT MAX(seq) FROM suggestion_rejections x WHERE x.project_id = r.project_id AND x.suggestion_id = r.suggestion_id
    ) ORDER BY r.seq DESC`,
} as const;

/** Rejected policy suggestions in Postgres, shared by every server process of a deployment. */
export class PostgresSuggestions implements SuggestionStore {
  constructor(private readonly db: PgClient) {}

  private q(name: keyof typeof SQL, values: unknown[]) {
    return this.db.run(`suggestions_${name}`, SQL[name], values);
  }

  async recordRejection(
    projectId: string,
    input: { suggestionId: string; evidenceFingerprint: string; evidenceCount: number; rejectedBy: string },
  ): Promise<SuggestionRejection> {
    const r: SuggestionRejection = { id: newId("srj"), projectId, ...input, rejectedAt: nowIso() };
    await this.q("insert", [
      r.id,
      projectId,
      r.suggestionId,
      r.evidenceFingerprint,
      r.evidenceCount,
      r.rejectedBy,
      r.rejectedAt,
    ]);
    return r;
  }

  async latestRejections(projectId: string): Promise<SuggestionRejection[]> {
    return ((await this.q("latest", [projectId])).rows as Row[]).map(toSuggestionRejection);
  }
}
