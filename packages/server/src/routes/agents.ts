import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import type { Agent } from "../store/types.js";

const agentJson = (a: Agent) => ({
  id: a.id,
  name: a.name,
  framework: a.framework,
  created_at: a.createdAt,
  last_seen_at: a.lastSeenAt,
  dropped_events: a.droppedEvents,
});

export async function agentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: { name: string; framework?: string } }>(
    "/api/v1/agents/register",
    {
      schema: {
        summary: "Register an agent (idempotent per name and project)",
        body: {
          type: "object",
          required: ["name"],
          properties: {
            name: { type: "string", minLength: 1, maxLength: 256 },
            framework: { type: "string", maxLength: 64 },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const agent = await ctx.store.upsertAgent(
        p.projectId,
        request.body.name,
        request.body.framework || "custom",
      );
      return { agent_id: agent.id, agent: agentJson(agent) };
    },
  );

  app.get("/api/v1/agents", { schema: { summary: "List the project's agents" } }, async (request) => {
    const p = requireRole(request, "admin");
    return { agents: (await ctx.store.listAgents(p.projectId)).map(agentJson) };
  });
}
