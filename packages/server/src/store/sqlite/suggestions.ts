import type Database from "better-sqlite3";
import { newId, nowIso } from "../ids.js";
import { type Row, toSuggestionRejection } from "../rows.js";
import type { SuggestionRejection, SuggestionStore } from "../types.js";

/** Rejected policy suggestions in SQLite. */
export class SqliteSuggestions implements SuggestionStore {
  readonly #s;

  constructor(db: Database.Database) {
    this.#s = {
      insert: db.prepare(
        `INSERT INTO suggestion_rejections (id, project_id, suggestion_id, evidence_fingerprint, evidence_count, rejected_by, rejected_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      latest: db.prepare(
        `SELECT r.* FROM suggestion_rejections r WHERE r.project_id = ? AND r.seq = (
           SELECT MAX(seq) FROM suggestion_rejections x WHERE x.project_id = r.project_id AND x.suggestion_id = r.suggestion_id
         ) ORDER BY r.seq DESC`,
      ),
    };
  }

  async recordRejection(
    projectId: string,
    input: { suggestionId: string; evidenceFingerprint: string; evidenceCount: number; rejectedBy: string },
  ): Promise<SuggestionRejection> {
    const r: SuggestionRejection = { id: newId("srj"), projectId, ...input, rejectedAt: nowIso() };
    this.#s.insert.run(
      r.id,
      projectId,
      r.suggestionId,
      r.evidenceFingerprint,
      r.evidenceCount,
      r.rejectedBy,
      r.rejectedAt,
    );
    return r;
  }

  async latestRejections(projectId: string): Promise<SuggestionRejection[]> {
    return (this.#s.latest.all(projectId) as Row[]).map(toSuggestionRejection);
  }
}
