import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { DashboardConfig } from "../config.js";
import { ApiError, forbidden, unauthorized } from "../errors.js";
import type { Store } from "../store/types.js";
import { hashApiKey, looksLikeApiKey } from "./api-keys.js";
import type { Principal } from "./authenticate.js";

export const SESSION_COOKIE = "trusera_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// Failed sign-ins per client address and minute before answering 429.
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

/** The value of one cookie in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Dashboard sign-in: an admin API key (or the operator's password) buys a session, kept in the store
 * (so that every process of a deployment knows it) as the SHA-256 of a random token. The token travels
 * only in an HttpOnly, SameSite=Strict cookie. Requests made with the cookie that change something must
 * also carry the session's CSRF token in `X-CSRF-Token` and, when the browser sends one, an `Origin`
 * of this very server: a page elsewhere can neither read the token nor pass those checks.
 */
export class SessionService {
  readonly #failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly config: DashboardConfig,
  ) {}

  /** Signs in; throws 401/403/429 with a stable code. */
  async signIn(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { api_key?: string; password?: string },
  ): Promise<{ projectId: string; csrfToken: string; expiresAt: number; keyId: string | null }> {
    checkOrigin(request);
    const client = request.ip;
    const now = Date.now();
    const f = this.#failures.get(client);
    if (f && f.until > now && f.count >= MAX_FAILURES) {
      throw new ApiError(
        429,
        "too_many_attempts",
        "too many failed sign-ins from this address; wait a minute",
      );
    }
    let projectId: string;
    let keyId: string | null = null;
    try {
      if (input.api_key !== undefined) {
        if (!looksLikeApiKey(input.api_key)) throw unauthorized("invalid API key");
        const key = await this.store.findActiveKeyByHash(hashApiKey(input.api_key));
        if (!key) throw unauthorized("invalid or revoked API key");
        if (key.role !== "admin")
          throw forbidden("the dashboard needs an admin key; this key can only ingest");
        projectId = key.projectId;
        keyId = key.id;
      } else if (input.password !== undefined) {
        const expected = this.config.password;
        if (expected === null)
          throw unauthorized("password sign-in is not enabled on this server; use an admin API key");
        if (!sameText(input.password, expected)) throw unauthorized("wrong password");
        const project = await this.store.findProjectByName(this.config.passwordProject);
        if (!project) throw unauthorized(`the project "${this.config.passwordProject}" does not exist`);
        projectId = project.id;
      } else {
        throw new ApiError(400, "invalid_request", "send api_key or password");
      }
    } catch (err) {
      if (err instanceof ApiError && (err.statusCode === 401 || err.statusCode === 403)) {
        const entry = f && f.until > now ? f : { count: 0, until: now + FAILURE_WINDOW_MS };
        entry.count++;
        if (this.#failures.size > 10_000) this.#failures.clear();
        this.#failures.set(client, entry);
      }
      throw err;
    }
    const token = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(24).toString("base64url");
    const expiresAt = now + this.config.sessionHours * 3_600_000;
    await this.store.sessions.createSession({
      tokenHash: sha256(token),
      projectId,
      keyId,
      csrfToken,
      expiresAt,
    });
    reply.header("set-cookie", this.cookie(request, token, this.config.sessionHours * 3600));
    return { projectId, csrfToken, expiresAt, keyId };
  }

  async signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (token) await this.store.sessions.deleteSession(sha256(token));
    reply.header("set-cookie", this.cookie(request, "", 0));
  }

  /**
   * The principal of a request that carries the session cookie (and, for a request that changes
   * something, the CSRF token); null when it carries no cookie.
   */
  async authenticate(request: FastifyRequest): Promise<Principal | null> {
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!token) return null;
    const session = await this.store.sessions.findSession(sha256(token), Date.now());
    if (!session) throw unauthorized("your dashboard session has ended; sign in again");
    if (!SAFE_METHODS.has(request.method)) {
      checkOrigin(request);
      const sent = request.headers["x-csrf-token"];
      if (typeof sent !== "string" || !sameText(sent, session.csrfToken)) {
        throw new ApiError(403, "csrf", "missing or wrong X-CSRF-Token for this session");
      }
    }
    return {
      projectId: session.projectId,
      role: "admin",
      keyId: session.keyId ?? "dashboard-password",
      session: { id: session.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt },
    };
  }

  private cookie(request: FastifyRequest, value: string, maxAge: number): string {
    const secure = this.config.cookieSecure || request.headers["x-forwarded-proto"] === "https";
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
  }
}

/** A browser's `Origin` (and `Sec-Fetch-Site`), when sent, must be this server's own. */
function checkOrigin(request: FastifyRequest): void {
  const site = request.headers["sec-fetch-site"];
  if (typeof site === "string" && site !== "same-origin" && site !== "none") {
    throw new ApiError(403, "csrf", `cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  const origin = request.headers.origin;
  if (typeof origin !== "string" || origin === "null") return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new ApiError(403, "csrf", "unreadable Origin header");
  }
  const own = request.headers["x-forwarded-host"] ?? request.headers.host;
  if (host !== own) throw new ApiError(403, "csrf", `cross-origin request refused (Origin: ${origin})`);
}
