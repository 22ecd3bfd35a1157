import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { REGISTER_BODY, type RegisterBody, registerAgent } from "./agents.js";
import { BATCH_BODY_PROPERTIES, INGEST_RESULT, idempotencyKeyOf, NO_NUL } from "./common.js";

/**
 * The Python and Go SDK dialects. They land in the same service and schema as the TypeScript one
 * (routes/agents.ts, routes/events.ts); only where the agent is named differs.
 */
export async function compatRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Python: the agent id is in the path, the batch is {events}.
  app.post<{ Params: { agent_id: string }; Body: { events: unknown[]; dropped?: number } }>(
    "/api/v1/agents/:agent_id/events",
    {
      schema: {
        summary: "Python dialect: store a batch of events of one agent",
        tags: ["compatibility"],
        params: {
          type: "object",
          required: ["agent_id"],
          properties: { agent_id: { type: "string", minLength: 1, maxLength: 256, pattern: NO_NUL } },
        },
        headers: { type: "object", properties: { "idempotency-key": { type: "string" } } },
        body: { type: "object", required: ["events"], properties: BATCH_BODY_PROPERTIES },
        response: { 200: INGEST_RESULT },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const idempotencyKey = idempotencyKeyOf(request.headers["idempotency-key"]);
      return ctx.ingest.ingest(p.projectId, {
        events: request.body.events,
        agentRef: request.params.agent_id,
        ...(request.body.dropped !== undefined ? { dropped: request.body.dropped } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    },
  );

  // Go: registration at /v1/agents answered with {agent_id}.
  app.post<{ Body: RegisterBody }>(
    "/v1/agents",
    { schema: { summary: "Go dialect: register an agent", tags: ["compatibility"], body: REGISTER_BODY } },
    (request) => registerAgent(ctx, request),
  );

  // Go: the batch names its agent, {agent_id, events}; an empty agent_id means none.
  app.post<{ Body: { agent_id?: string; events: unknown[]; dropped?: number } }>(
    "/v1/events",
    {
      schema: {
        summary: "Go dialect: store a batch of events",
        tags: ["compatibility"],
        headers: { type: "object", properties: { "idempotency-key": { type: "string" } } },
        body: {
          type: "object",
          required: ["events"],
          properties: {
            ...BATCH_BODY_PROPERTIES,
            agent_id: { type: "string", maxLength: 256, pattern: NO_NUL },
          },
        },
        response: { 200: INGEST_RESULT },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const idempotencyKey = idempotencyKeyOf(request.headers["idempotency-key"]);
      return ctx.ingest.ingest(p.projectId, {
        events: request.body.events,
        agentRef: request.body.agent_id || null,
        ...(request.body.dropped !== undefined ? { dropped: request.body.dropped } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    },
  );
}
