import type Database from "better-sqlite3";
import { newId, nowIso } from "../ids.js";
import { type Row, toSession } from "../rows.js";
import type { DashboardSession, SessionStore } from "../types.js";

/** Dashboard sessions in SQLite. */
export class SqliteSessions implements SessionStore {
  readonly #s;

  constructor(db: Database.Database) {
    this.#s = {
      insert: db.prepare(
        "INSERT INTO sessions (token_hash, id, project_id, key_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      find: db.prepare(
        `SELECT s.* FROM sessions s LEFT JOIN api_keys k ON k.id = s.key_id
         WHERE s.token_hash = ? AND s.expires_at > ? AND (s.key_id IS NULL OR k.revoked_at IS NULL)`,
      ),
      delete: db.prepare("DELETE FROM sessions WHERE token_hash = ?"),
      purge: db.prepare("DELETE FROM sessions WHERE expires_at <= ?"),
    };
  }

  async createSession(input: {
    tokenHash: string;
    projectId: string;
    keyId: string | null;
    csrfToken: string;
    expiresAt: number;
  }): Promise<DashboardSession> {
    const session: DashboardSession = {
      id: newId("ses"),
      projectId: input.projectId,
      keyId: input.keyId,
      csrfToken: input.csrfToken,
      createdAt: nowIso(),
      expiresAt: input.expiresAt,
    };
    this.#s.insert.run(
      input.tokenHash,
      session.id,
      session.projectId,
      session.keyId,
      session.csrfToken,
      session.createdAt,
      session.expiresAt,
    );
    return session;
  }

  async findSession(tokenHash: string, now: number): Promise<DashboardSession | null> {
    const row = this.#s.find.get(tokenHash, now) as Row | undefined;
    return row ? toSession(row) : null;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.#s.delete.run(tokenHash);
  }

  async purgeSessions(now: number): Promise<number> {
    return this.#s.purge.run(now).changes;
  }
}
