import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import type { ServerLearningOptions } from "../learning/suggestions.js";
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

const PARAMS = {
  type: "object",
  properties: { id: { type: "string", maxLength: 64 } },
  required: ["id"],
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

/**
 * Rules learned from stored events (docs/learning.md): listed with their impact, applied only on
 * approval (or, with TRUSERA_LEARNING_AUTO_TIGHTEN=1, automatically when they only tighten).
 */
export async function suggestionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: Query }>(
    "/api/v1/policies/suggestions",
    {
      schema: {
        summary:
          "Cedar rules learned from the project's recorded api_call events, each with evidence and the impact of replaying the active set plus the rule; rejected ones are left out until their evidence doubles",
        tags: ["policies"],
        querystring: QUERY,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      return ctx.learning.list(p.projectId, p.keyId, options(request.query));
    },
  );

  app.post<{ Params: { id: string }; Querystring: Query }>(
    "/api/v1/policies/suggestions/:id/approve",
    {
      schema: {
        summary:
          "Approve a suggestion: a new policy version (the active set plus the rule) is stored and activated; its author is the approving key. 404 when not offered, 409 when rejected for this evidence",
        tags: ["policies"],
        params: PARAMS,
        querystring: QUERY,
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "admin");
      const { suggestion, version } = await ctx.learning.approve(
        p.projectId,
        p.keyId,
        request.params.id,
        options(request.query),
      );
      return reply.code(201).send({
        suggestion,
        version: {
          id: version.id,
          number: version.number,
          author_key_id: version.authorKeyId,
          description: version.description,
        },
      });
    },
  );

  app.post<{ Params: { id: string }; Querystring: Query }>(
    "/api/v1/policies/suggestions/:id/reject",
    {
      schema: {
        summary:
          "Reject a suggestion: recorded (who, when, the evidence), it is not offered again until its evidence doubles. 404 when not offered, 409 when already rejected for this evidence",
        tags: ["policies"],
        params: PARAMS,
        querystring: QUERY,
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "admin");
      const { suggestion, rejection } = await ctx.learning.reject(
        p.projectId,
        p.keyId,
        request.params.id,
        options(request.query),
      );
      return reply.code(201).send({
        suggestion,
        rejection: {
          id: rejection.id,
          suggestion_id: rejection.suggestionId,
          evidence_fingerprint: rejection.evidenceFingerprint,
          evidence_count: rejection.evidenceCount,
          rejected_by: rejection.rejectedBy,
          rejected_at: rejection.rejectedAt,
        },
      });
    },
  );
}
