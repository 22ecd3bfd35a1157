import { scrubSecrets } from "@trusera/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { notFound } from "../errors.js";
import { agentJson } from "./agent-json.js";
import { decodeTextCursor, encodeTextCursor, ID_PARAMS, NO_NUL, PAGE_LIMIT } from "./common.js";

export interface RegisterBody {
  name: string;
  framework?: string;
  metadata?: Record<string, unknown>;
}

export const REGISTER_BODY = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 256, pattern: NO_NUL },
    framework: { type: "string", maxLength: 64, pattern: NO_NUL },
    metadata: { type: "object" },
  },
} as const;

/**
 * Registration as the TypeScript, Python and Go SDKs do it: idempotent per name and project.
 * Answers `agent_id` (TypeScript, Go) and `agent.id` (Python) alike.
 */
export async function registerAgent(ctx: AppContext, request: FastifyRequest<{ Body: RegisterBody }>) {
  const p = requireRole(request, "ingest");
  const { name, framework, metadata } = request.body;
  const agent = await ctx.store.registerAgent(p.projectId, {
    name,
    framework: framework || "custom",
    ...(metadata && Object.keys(metadata).length > 0
      ? { metadata: JSON.stringify(scrubSecrets(metadata)) }
      : {}),
  });
  return { agent_id: agent.id, agent: agentJson(agent) };
}

export async function agentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: RegisterBody }>(
    "/api/v1/agents/register",
    {
      schema: {
        summary: "Register an agent (idempotent per name and project)",
        tags: ["agents"],
        body: REGISTER_BODY,
      },
    },
    (request) => registerAgent(ctx, request),
  );

  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    "/api/v1/agents",
    {
      schema: {
        summary: "List the project's agents by name, one page at a time",
        tags: ["agents"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: PAGE_LIMIT, cursor: { type: "string", maxLength: 400 } },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const limit = request.query.limit ?? 100;
      const afterName =
        request.query.cursor === undefined ? undefined : decodeTextCursor(request.query.cursor);
      const agents = await ctx.store.listAgents(p.projectId, {
        limit,
        ...(afterName !== undefined ? { afterName } : {}),
      });
      const last = agents.at(-1);
      return {
        agents: agents.map(agentJson),
        next_cursor: agents.length === limit && last ? encodeTextCursor(last.name) : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/agents/:id",
    { schema: { summary: "One agent, by id or name", tags: ["agents"], params: ID_PARAMS } },
    async (request) => {
      const p = requireRole(request, "admin");
      const agent = await ctx.store.findAgent(p.projectId, request.params.id);
      if (!agent) throw notFound(`agent ${request.params.id}`);
      return agentJson(agent);
    },
  );
}
