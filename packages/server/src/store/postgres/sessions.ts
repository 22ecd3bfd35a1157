import { newId, nowIso } from "../ids.js";
import { type Row, toSession } from "../rows.js";
import type { DashboardSession, SessionStore } from "../types.js";
import type { PgClient } from "./pg-client.js";

const SQL = {
  insert:
    "INSERT INTO sessions (token_hash, id, project_id, key_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
  find: `SELECT s.* FROM sessions s LEFT JOIN api_keys k ON k.id = s.key_id
    WHERE s.token_hash = $1 AND s.expires_at > $2 AND (s.key_id IS NULL OR k.revoked_at IS NULL)`,
  delete: "DELETE FROM sessions WHERE token_hash = $1",
  purge: "DELETE FROM sessions WHERE expires_at <= $1",
} as const;

/** Dashboard sessions in Postgres, so that any process of a deployment knows every session. */
export class PostgresSessions implements SessionStore {
  constructor(private readonly db: PgClient) {}

  private q(name: keyof typeof SQL, values: unknown[]) {
    return this.db.run(`sessions_${name}`, SQL[name], values);
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
    await this.q("insert", [
      input.tokenHash,
      session.id,
      session.projectId,
      session.keyId,
      session.csrfToken,
      session.createdAt,
      session.expiresAt,
    ]);
    return session;
  }

  async findSession(tokenHash: string, now: number): Promise<DashboardSession | null> {
    const row = (await this.q("find", [tokenHash, now])).rows[0] as Row | undefined;
    return row ? toSession(row) : null;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.q("delete", [tokenHash]);
  }

  async purgeSessions(now: number): Promise<number> {
    return (await this.q("purge", [now])).rowCount ?? 0;
  }
}
