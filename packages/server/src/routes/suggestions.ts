import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { notFound } from "../errors.js";
import { type ServerLearningOptions, suggestFromEvents } from "../learning/suggestions.js";
import { timeParam } from "./common.js";

const WEEK_US = 7 * 86_400_000_000;

interface Query {
  since?: string;
  until?: string;
  min_count?: number;
  min_agents?: number;
  rare_max?: number;
  max_events?: number;
}

const QUERY = {
  type: "object",
  additionalProperties: false,
  properties: {
    since: { type: "string", maxLength: 64 },
    until: { type: "string", maxLength: 64 },
    min_count: { type: "integer", minimum: 1, default: 5 },
    min_agents: { type: "integer", minimum: 1, default: 2 },
    rare_max: { type: "integer", minimum: 1, default: 2 },
    max_events: { type: "integer", minimum: 1, maximum: 1_000_000, default: 100_000 },
  },
} as const;

function options(q: Query, now = Date.now() * 1000): ServerLearningOptions {
  const until = timeParam("until", q.until) ?? now + 1;
  return {
    since: timeParam("since", q.since) ?? until - WEEK_US,
    until,
    minCount: q.min_count ?? 5,
    minAgents: q.min_agents ?? 2,
    rareMax: q.rare_max ?? 2,
    maxEvents: q.max_events ?? 100_000,
    maxExamples: 3,
  };
}

/** Rules learned from stored events (docs/learning.md): listed with their impact, applied only on approval. */
export async function suggestionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: Query }>(
    "/api/v1/policies/suggestions",
    {
      schema: {
        summary:
          "Cedar rules learned from the project's recorded api_call events, each with evidence and the impact of replaying the active set plus the rule",
        tags: ["policies"],
        querystring: QUERY,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const active = await ctx.policies.bundle(p.projectId);
      const { events, suggestions } = await suggestFromEvents(
        ctx.store,
        p.projectId,
        active,
        options(request.query),
      );
      return { active_version: active.version, replayed: events, suggestions };
    },
  );

  app.post<{ Params: { id: string }; Querystring: Query }>(
    "/api/v1/policies/suggestions/:id/approve",
    {
      schema: {
        summary:
          "Approve a suggestion: a new policy version (the active set plus the rule) is stored and activated; its author is the approving key",
        tags: ["policies"],
        params: { type: "object", properties: { id: { type: "string", maxLength: 64 } }, required: ["id"] },
        querystring: QUERY,
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "admin");
      const active = await ctx.policies.bundle(p.projectId);
      const { suggestions } = await suggestFromEvents(ctx.store, p.projectId, active, options(request.query));
      const s = suggestions.find((x) => x.id === request.params.id);
      if (!s)
        throw notFound(
          `suggestion ${request.params.id} (GET /api/v1/policies/suggestions lists the current ones)`,
        );
      const { version } = await ctx.policies.create(p.projectId, p.keyId, {
        policies: active.policies ? `${active.policies}\n\n${s.policy}` : s.policy,
        defaultDecision: active.defaultDecision,
        description: `approved suggestion ${s.id}: ${s.reason}`.slice(0, 2000),
        activate: true,
      });
      return reply.code(201).send({
        suggestion: s,
        version: { id: version.id, number: version.number, author_key_id: version.authorKeyId },
      });
    },
  );
}
