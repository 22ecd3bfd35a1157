import { receiptTargetText } from "@trusera/core";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { badRequest, notFound } from "../errors.js";
import { MAX_RECEIPTS_PER_BATCH } from "../receipts/receipt-service.js";
import type { ReceiptChainRecord, StoredReceipt } from "../store/types.js";
import { ID_PARAMS, NO_NUL } from "./common.js";

const receiptSummary = (r: StoredReceipt) => ({
  receipt_id: r.receiptId,
  chain_id: r.chainId,
  seq: r.seq,
  hash: r.hash,
  actor_id: r.actorId,
  action: r.action,
  action_class: r.actionClass,
  // What was acted on (the file, host or command), as `transient-trace receipts list` shows it.
  target: targetOf(r.body),
  outcome: r.outcome,
  execution_status: r.executionStatus,
  occurred_at: r.occurredAt,
  kid: r.kid,
  // Stored receipts are exactly those whose signature and chain link verified on ingest.
  verification: { status: "verified", at: new Date(r.receivedAt).toISOString() },
});

function targetOf(body: string): string {
  try {
    return receiptTargetText((JSON.parse(body) as { intent?: unknown }).intent);
  } catch {
    return "";
  }
}

const chainJson = (c: ReceiptChainRecord) => ({
  id: c.id,
  actor_id: c.actorId,
  head_seq: c.headSeq,
  head_hash: c.headHash,
  receipts: c.receipts,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  last_verification: c.lastVerification === null ? null : (JSON.parse(c.lastVerification) as unknown),
});

const encode = (r: StoredReceipt) => Buffer.from(`${r.occurredAt}\n${r.hash}`).toString("base64url");
function decode(cursor: string): { occurredAt: string; hash: string } {
  const [occurredAt, hash] = Buffer.from(cursor, "base64url").toString("utf8").split("\n");
  if (!occurredAt || !hash) throw badRequest("cursor is not one this server gave out");
  return { occurredAt, hash };
}

const HASH_PARAMS = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: "^[0-9a-f]{64}$" } },
} as const;

/**
 * Receipts uploaded by `transient-trace receipts upload`: keys (ingest), batches verified on ingest
 * (ingest), and reading them back with their chains and verification (admin).
 */
export async function receiptRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: { keys: unknown[] } }>(
    "/api/v1/receipts/keys",
    {
      schema: {
        summary:
          "Register Ed25519 public keys (a JWKS) that verify this project's receipts; kid must be the RFC 7638 thumbprint",
        tags: ["receipts"],
        body: {
          type: "object",
          required: ["keys"],
          properties: {
            keys: {
              type: "array",
              minItems: 1,
              maxItems: 100,
              items: {
                type: "object",
                required: ["kty", "crv", "x", "kid"],
                properties: {
                  kty: { type: "string" },
                  crv: { type: "string" },
                  x: { type: "string", maxLength: 100 },
                  kid: { type: "string", maxLength: 100 },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      return ctx.receipts.registerKeys(p.projectId, request.body);
    },
  );

  app.get(
    "/api/v1/receipts/keys",
    { schema: { summary: "Registered receipt keys", tags: ["receipts"] } },
    async (request) => {
      const p = requireRole(request, "admin");
      const keys = await ctx.store.receipts.listReceiptKeys(p.projectId);
      return { keys: keys.map((k) => ({ ...(JSON.parse(k.jwk) as object), registered_at: k.createdAt })) };
    },
  );

  app.post<{ Body: { receipts: unknown[]; chain_id?: string } }>(
    "/api/v1/receipts/batch",
    {
      schema: {
        summary:
          "Upload consecutive receipts of one chain (log order; `chain_id`, the hash of the chain's first receipt, lets the server tell a rewritten log). Each is verified (signature, shape, snapshot hash) and linked onto the stored chain; a batch is stored whole or refused (422 receipt_invalid / chain_broken, 409 chain_gap / chain_fork)",
        tags: ["receipts"],
        body: {
          type: "object",
          required: ["receipts"],
          additionalProperties: false,
          properties: {
            receipts: { type: "array", maxItems: MAX_RECEIPTS_PER_BATCH },
            chain_id: { type: "string", pattern: "^[0-9a-f]{64}$" },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      return ctx.receipts.upload(p.projectId, request.body.receipts, request.body.chain_id);
    },
  );

  app.get(
    "/api/v1/receipts/chains",
    { schema: { summary: "Receipt chains with their heads and latest re-verification", tags: ["receipts"] } },
    async (request) => {
      const p = requireRole(request, "admin");
      return { chains: (await ctx.store.receipts.listReceiptChains(p.projectId)).map(chainJson) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/receipts/chains/:id",
    {
      schema: {
        summary: "One chain (id: hash of its first receipt); an uploader asks it for the head already stored",
        tags: ["receipts"],
        params: HASH_PARAMS,
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const chain = await ctx.store.receipts.getReceiptChain(p.projectId, request.params.id);
      if (!chain) throw notFound(`receipt chain ${request.params.id}`);
      return chainJson(chain);
    },
  );

  app.post<{ Params: { id: string } }>(
    "/api/v1/receipts/chains/:id/verify",
    {
      schema: {
        summary: "Verify a stored chain again from its first receipt (signatures, links, head)",
        tags: ["receipts"],
        params: HASH_PARAMS,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      return ctx.receipts.verifyChain(p.projectId, request.params.id);
    },
  );

  app.get<{ Querystring: { limit?: number } }>(
    "/api/v1/receipts/rejections",
    {
      schema: {
        summary: "Refused uploads, newest first: receipts that did not verify, gaps, forks",
        tags: ["receipts"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const rows = await ctx.store.receipts.listReceiptRejections(p.projectId, request.query.limit ?? 50);
      return {
        rejections: rows.map((r) => ({
          id: r.id,
          chain_id: r.chainId,
          receipt_id: r.receiptId,
          seq: r.seq,
          kind: r.kind,
          message: r.message,
          at: r.at,
        })),
      };
    },
  );

  app.get<{
    Querystring: { chain_id?: string; actor_id?: string; outcome?: string; limit?: number; cursor?: string };
  }>(
    "/api/v1/receipts",
    {
      schema: {
        summary: "Stored receipts, newest first, with their verification",
        tags: ["receipts"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            chain_id: { type: "string", maxLength: 64 },
            actor_id: { type: "string", maxLength: 256, pattern: NO_NUL },
            outcome: { type: "string", enum: ["allow", "deny", "approve"] },
            limit: { type: "integer", minimum: 1, maximum: 500, default: 100 },
            cursor: { type: "string", maxLength: 400 },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const q = request.query;
      const limit = q.limit ?? 100;
      const rows = await ctx.store.receipts.listReceipts(p.projectId, {
        limit,
        ...(q.chain_id !== undefined ? { chainId: q.chain_id } : {}),
        ...(q.actor_id !== undefined ? { actorId: q.actor_id } : {}),
        ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
        ...(q.cursor !== undefined ? { after: decode(q.cursor) } : {}),
      });
      const last = rows.at(-1);
      return {
        receipts: rows.map(receiptSummary),
        next_cursor: rows.length === limit && last ? encode(last) : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/receipts/:id",
    {
      schema: {
        summary: "One stored receipt, whole, as it was signed",
        tags: ["receipts"],
        params: ID_PARAMS,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const r = await ctx.store.receipts.getReceipt(p.projectId, request.params.id);
      if (!r) throw notFound(`receipt ${request.params.id}`);
      return { ...receiptSummary(r), receipt: JSON.parse(r.body) as unknown };
    },
  );
}
