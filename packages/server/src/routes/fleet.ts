import { scrubSecrets } from "@trusera/core";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { notFound } from "../errors.js";
import { agentJson } from "./agent-json.js";
import { ID_PARAMS, NO_NUL, parseJsonText } from "./common.js";

interface FleetRegisterBody {
  name: string;
  framework?: string;
  [detail: string]: unknown;
}

/**
 * The fleet dialect (the Go SDK's auto-registration): an agent announces itself with details of its
 * host and process, gets `{data: {id}}`, and sends heartbeats. Fleet agents are ordinary agents.
 */
export async function fleetRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: FleetRegisterBody }>(
    "/api/v1/fleet/register",
    {
      schema: {
        summary: "Fleet dialect: register (or re-register) an agent with its host details",
        tags: ["compatibility"],
        body: {
          type: "object",
          required: ["name"],
          properties: {
            name: { type: "string", minLength: 1, maxLength: 256, pattern: NO_NUL },
            framework: { type: "string", maxLength: 64, pattern: NO_NUL },
            discovery_method: { type: "string", maxLength: 64 },
            sdk_version: { type: "string", maxLength: 64 },
            hostname: { type: "string", maxLength: 256 },
            environment: { type: "string", maxLength: 64 },
            process_info: { type: "object" },
            network_info: { type: "object" },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const { name, framework, ...details } = request.body;
      const agent = await ctx.store.registerAgent(p.projectId, {
        name,
        framework: framework || "custom",
        // Host details carry environment variables and command lines: redacted as events are.
        metadata: JSON.stringify(scrubSecrets(details)),
      });
      return { data: agentJson(agent), agent_id: agent.id };
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
    "/api/v1/fleet/:id/heartbeat",
    {
      schema: {
        summary: "Fleet dialect: an agent is alive; optional details replace those it registered with",
        tags: ["compatibility"],
        params: ID_PARAMS,
        body: {
          type: "object",
          properties: { process_info: { type: "object" }, network_info: { type: "object" } },
        },
      },
      // A heartbeat may come without a body at all.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const agent = await ctx.store.findAgent(p.projectId, request.params.id);
      if (!agent) throw notFound(`agent ${request.params.id}`);
      const body = request.body ?? {};
      const metadata =
        Object.keys(body).length > 0
          ? JSON.stringify({ ...(parseJsonText(agent.metadata) ?? {}), ...scrubSecrets(body) })
          : undefined;
      if (!(await ctx.store.recordHeartbeat(p.projectId, agent.id, metadata))) {
        throw notFound(`agent ${request.params.id}`);
      }
      return { ok: true, data: { id: agent.id, last_heartbeat_at: new Date().toISOString() } };
    },
  );
}
