import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { fromPythonV1Event, isPythonV1, PythonV1Policies } from "../dialects/python-v1.js";
import { REGISTER_BODY, type RegisterBody, registerAgent } from "./agents.js";
import { BATCH_BODY_PROPERTIES, INGEST_RESULT, idempotencyKeyOf, NO_NUL } from "./common.js";
import { sendBundle } from "./policies.js";

/**
 * The Python and Go SDK dialects. They land in the same service and schema as the TypeScript one
 * (routes/agents.ts, routes/events.ts); only where the agent is named differs. What the published
 * Python SDK 1.x sends and reads differently is translated in dialects/python-v1.ts.
 */
export async function compatRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const pythonV1 = new PythonV1Policies();

  // Python: the agent id is in the path, the batch is {events}; 1.x's `interception`s are api_calls.
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
        events: request.body.events.map(fromPythonV1Event),
        agentRef: request.params.agent_id,
        ...(request.body.dropped !== undefined ? { dropped: request.body.dropped } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    },
  );

  // Python: the active set. The 1.x policy cache reads a list of rules in its own regex dialect
  // (down-levelled, what it cannot express left out and reported); other clients get the bundle.
  app.get(
    "/api/v1/policies/cedar",
    {
      schema: {
        summary:
          "Python dialect: the active policy set (the bundle plus activated_at; for the 1.x SDK, its rule list)",
        tags: ["compatibility"],
        querystring: {
          type: "object",
          properties: { dialect: { type: "string", enum: ["python-v1"] } },
        },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "ingest");
      const bundle = await ctx.policies.bundle(p.projectId);
      if (isPythonV1(request)) return pythonV1.answer(p.projectId, bundle, request.log);
      return sendBundle(request, reply, bundle, { activated_at: bundle.activatedAt });
    },
  );

  // What the 1.x Python clients do not enforce of the active set (the dashboard's policy page).
  app.get(
    "/api/v1/compat/python-v1/policies",
    {
      schema: {
        summary:
          "The active set as Python SDK 1.x clients get it: the rules sent and those left out, with why",
        tags: ["compatibility"],
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      return pythonV1.answer(p.projectId, await ctx.policies.bundle(p.projectId), request.log);
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
