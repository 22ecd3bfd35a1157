import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { generateApiKey } from "../auth/api-keys.js";
import { requireRole } from "../auth/authenticate.js";
import { notFound } from "../errors.js";
import type { ApiKeyRecord, KeyRole } from "../store/types.js";
import { ID_PARAMS, NO_NUL } from "./common.js";

const keyJson = (k: ApiKeyRecord) => ({
  id: k.id,
  role: k.role,
  prefix: `tsk_${k.prefix}`,
  label: k.label,
  created_at: k.createdAt,
  revoked_at: k.revokedAt,
});

/** API keys of the caller's project (admin only). A key is shown once, when created; only its hash is kept. */
export async function keyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: { role: KeyRole; label?: string } }>(
    "/api/v1/keys",
    {
      schema: {
        summary: "Create an API key in the caller's project; the answer holds the key, shown only this once",
        tags: ["keys"],
        body: {
          type: "object",
          required: ["role"],
          additionalProperties: false,
          properties: {
            role: { type: "string", enum: ["admin", "ingest"] },
            label: { type: "string", maxLength: 200, pattern: NO_NUL },
          },
        },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "admin");
      const generated = generateApiKey();
      const record = await ctx.store.createApiKey({
        projectId: p.projectId,
        role: request.body.role,
        hash: generated.hash,
        prefix: generated.prefix,
        ...(request.body.label !== undefined ? { label: request.body.label } : {}),
      });
      return reply.code(201).send({ ...keyJson(record), key: generated.key });
    },
  );

  app.get(
    "/api/v1/keys",
    { schema: { summary: "List the project's keys (never the keys themselves)", tags: ["keys"] } },
    async (request) => {
      const p = requireRole(request, "admin");
      return { keys: (await ctx.store.listApiKeys(p.projectId)).map(keyJson) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/v1/keys/:id",
    {
      schema: {
        summary: "Revoke a key; other processes stop accepting it within 5 seconds",
        tags: ["keys"],
        params: ID_PARAMS,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      if (!(await ctx.store.revokeApiKey(p.projectId, request.params.id))) {
        throw notFound(`active key ${request.params.id}`);
      }
      ctx.auth.forget();
      return { revoked: request.params.id };
    },
  );
}
