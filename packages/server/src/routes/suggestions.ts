import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import type { ServerLearningOptions } from "../learning/suggestions.js";
import { LEARNING_DEFAULTS, learningOptions } from "../learning/window.js";
import { timeParam } from "./common.js";

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
    min_count: { type: "integer", minimum: 1, default: LEARNING_DEFAULTS.minCount },
    min_agents: { type: "integer", minimum: 1, default: LEARNING_DEFAULTS.minAgents },
    rare_max: { type: "integer", minimum: 1, default: LEARNING_DEFAULTS.rareMax },
    max_events: { type: "integer", minimum: 1, maximum: 1_000_000, default: LEARNING_DEFAULTS.maxEvents },
  },
} as const;

const PARAMS = {
  type: "object",
  properties: { id: { type: "string", maxLength: 64 } },
  required: ["id"],
} as const;

function options(q: Query): ServerLearningOptions {
  return learningOptions({
    since: timeParam("since", q.since),
    until: timeParam("until", q.until),
    minCount: q.min_count,
    minAgents: q.min_agents,
    rareMax: q.rare_max,
    maxEvents: q.max_events,
  });
}

/**
 * Rules learned from stored events (docs/learning.md): listed with their impact (listing never
 * writes), applied on approval, or automatically when they only tighten: on a timer with
 * TRUSERA_LEARNING_AUTO_TIGHTEN=1 (learning/auto-tightener.ts), or when an admin asks.
 */
export async function suggestionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: Query }>(
    "/api/v1/policies/suggestions",
    {
      schema: {
        summary:
          "Cedar rules learned from the project's recorded api_call and tool_call events, each with evidence and the impact of replaying the active set plus the rule; rejected ones are left out until their evidence doubles. Only reads: nothing is approved by listing",
        tags: ["policies"],
        querystring: QUERY,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      return ctx.learning.list(p.projectId, options(request.query));
    },
  );

  app.post<{ Querystring: Query }>(
    "/api/v1/policies/suggestions/auto-approve",
    {
      schema: {
        summary:
          "Approve now the offered suggestions that only tighten (forbids with no deny -> allow), each as its own active version authored by the calling key; works whether or not TRUSERA_LEARNING_AUTO_TIGHTEN is set (that option only runs the same on a timer). Answers { approved: [{ id, version }] }",
        tags: ["policies"],
        querystring: QUERY,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const approved = await ctx.learning.approveTightening(
        p.projectId,
        p.keyId,
        options(request.query),
        "POST /api/v1/policies/suggestions/auto-approve",
      );
      return { approved };
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
