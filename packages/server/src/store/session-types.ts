/** Dashboard sessions (see Store). The cookie's token is kept only as a SHA-256 hash. */

export interface DashboardSession {
  id: string;
  projectId: string;
  /** The admin key signed in with, or null for the operator's password. Revoking the key ends the session. */
  keyId: string | null;
  /** Sent by the dashboard in `X-CSRF-Token` on every request that changes something. */
  csrfToken: string;
  createdAt: string;
  /** ms since the epoch. */
  expiresAt: number;
}

export interface SessionStore {
  createSession(input: {
    tokenHash: string;
    projectId: string;
    keyId: string | null;
    csrfToken: string;
    expiresAt: number;
  }): Promise<DashboardSession>;
  /** The session of this token hash if it has not expired and its key (if any) is not revoked. */
  findSession(tokenHash: string, now: number): Promise<DashboardSession | null>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Deletes sessions expired before `now`; returns how many. */
  purgeSessions(now: number): Promise<number>;
}
