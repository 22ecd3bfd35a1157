import type { FastifyRequest } from "fastify";
import { forbidden, unauthorized } from "../errors.js";
import type { KeyRole, Store } from "../store/types.js";
import { hashApiKey, looksLikeApiKey } from "./api-keys.js";

/** Who is calling: the key's project and role. Set on every authenticated request. */
export interface Principal {
  projectId: string;
  role: KeyRole;
  /** The key used, or the key a dashboard session was opened with (`dashboard-password` for the password). */
  keyId: string;
  /** Set when the request came with a dashboard session cookie instead of a key. */
  session?: { id: string; csrfToken: string; expiresAt: number };
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

// A revoked key keeps working for at most this long in a process that had it cached.
const CACHE_TTL_MS = 5_000;
const MAX_CACHED = 10_000;

/** Looks up bearer keys by hash, with a short cache so that ingest does not hit the store per request. */
export class Authenticator {
  readonly #cache = new Map<string, { principal: Principal | null; until: number }>();

  constructor(private readonly store: Store) {}

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const match = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw unauthorized();
    const key = match[1]!;
    if (!looksLikeApiKey(key))
      throw unauthorized("invalid API key: keys look like tsk_ followed by 32 characters");
    const hash = hashApiKey(key);
    const now = Date.now();
    const cached = this.#cache.get(hash);
    let principal: Principal | null;
    if (cached && cached.until > now) {
      principal = cached.principal;
    } else {
      const record = await this.store.findActiveKeyByHash(hash);
      principal = record ? { projectId: record.projectId, role: record.role, keyId: record.id } : null;
      if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
      this.#cache.set(hash, { principal, until: now + CACHE_TTL_MS });
    }
    if (!principal) throw unauthorized("invalid or revoked API key");
    return principal;
  }

  /** Forgets every cached key, e.g. after a revocation in this process. */
  forget(): void {
    this.#cache.clear();
  }
}

export function requireRole(request: FastifyRequest, role: KeyRole): Principal {
  const p = request.principal;
  if (!p) throw unauthorized();
  if (role === "admin" && p.role !== "admin")
    throw forbidden("this needs an admin key; this key can only ingest");
  return p;
}
