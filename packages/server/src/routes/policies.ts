import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { bundleEtag, etagMatches } from "../policies/digest.js";
import { compileOrThrow, MAX_POLICY_CHARS } from "../policies/policy-compiler.js";
import type { PolicyBundle } from "../policies/policy-service.js";
import type { DefaultDecision, PolicyActivation, PolicyVersion } from "../store/types.js";
import { ID_PARAMS, NO_NUL, timeParam } from "./common.js";

const versionSummary = (v: PolicyVersion, activeId: string | null) => ({
  id: v.id,
  number: v.number,
  digest: v.digest,
  default_decision: v.defaultDecision,
  description: v.description,
  author_key_id: v.authorKeyId,
  created_at: v.createdAt,
  active: v.id === activeId,
});

const versionJson = (v: PolicyVersion, activeId: string | null) => ({
  ...versionSummary(v, activeId),
  policies: v.policies,
  schema: v.schema,
});

const activationJson = (a: PolicyActivation) => ({
  seq: a.seq,
  version_id: a.versionId,
  kind: a.kind,
  activated_by: a.activatedBy,
  activated_at: a.activatedAt,
});

const POLICY_TEXT = { type: "string", maxLength: MAX_POLICY_CHARS } as const;
const DEFAULT_DECISION = { type: "string", enum: ["allow", "deny"] } as const;

const BUNDLE_RESPONSE = {
  type: "object",
  properties: {
    version: { type: ["string", "null"] },
    digest: { type: "string" },
    policies: { type: "string" },
    default_decision: DEFAULT_DECISION,
  },
} as const;

const WEEK_US = 7 * 86_400_000_000;

/** Answers a bundle with its ETag, or 304 when the client already has it. */
export function sendBundle(
  request: FastifyRequest,
  reply: FastifyReply,
  bundle: PolicyBundle,
  extra: Record<string, unknown> = {},
) {
  const etag = bundleEtag(bundle.digest, bundle.defaultDecision);
  reply.header("etag", etag).header("cache-control", "no-cache");
  if (etagMatches(request.headers["if-none-match"], etag)) return reply.code(304).send();
  return reply.send({
    version: bundle.version,
    digest: bundle.digest,
    policies: bundle.policies,
    default_decision: bundle.defaultDecision,
    ...extra,
  });
}

export async function policyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{
    Body: {
      policies: string;
      schema?: string;
      default_decision?: DefaultDecision;
      description?: string;
      activate?: boolean;
    };
  }>(
    "/api/v1/policies",
    {
      schema: {
        summary:
          "Store a new immutable version of the policy set, validated by the Cedar engine; a 400 lists every error with line and column",
        tags: ["policies"],
        body: {
          type: "object",
          required: ["policies"],
          additionalProperties: false,
          properties: {
            policies: POLICY_TEXT,
            schema: POLICY_TEXT,
            default_decision: DEFAULT_DECISION,
            description: { type: "string", maxLength: 2000, pattern: NO_NUL },
            activate: { type: "boolean" },
          },
        },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "admin");
      const b = request.body;
      const { version, warnings, active } = await ctx.policies.create(p.projectId, p.keyId, {
        policies: b.policies,
        ...(b.schema !== undefined ? { schema: b.schema } : {}),
        ...(b.default_decision !== undefined ? { defaultDecision: b.default_decision } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.activate !== undefined ? { activate: b.activate } : {}),
      });
      return reply.code(201).send({ ...versionJson(version, active ? version.id : null), warnings });
    },
  );

  app.post<{ Body: { policies: string; schema?: string } }>(
    "/api/v1/policies/validate",
    {
      schema: {
        summary:
          "Validate Cedar text without storing it: `{ok, errors, warnings}`, each with line and column (what the dashboard's editor shows)",
        tags: ["policies"],
        body: {
          type: "object",
          required: ["policies"],
          additionalProperties: false,
          properties: { policies: POLICY_TEXT, schema: POLICY_TEXT },
        },
      },
    },
    async (request) => {
      requireRole(request, "admin");
      try {
        const { warnings } = compileOrThrow(request.body.policies, {
          schema: request.body.schema ?? null,
          defaultDecision: "allow",
          slot: "trusera.validate",
        });
        return { ok: true, errors: [], warnings };
      } catch (err) {
        if (err instanceof ApiError && err.code === "invalid_policy") {
          return { ok: false, errors: err.details ?? [], warnings: [] };
        }
        throw err;
      }
    },
  );

  app.get<{ Querystring: { limit?: number; before?: number } }>(
    "/api/v1/policies",
    {
      schema: {
        summary: "List policy versions, newest first (pass `before` = the last number seen to continue)",
        tags: ["policies"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
            before: { type: "integer", minimum: 1 },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const limit = request.query.limit ?? 50;
      const [versions, active] = await Promise.all([
        ctx.store.listPolicyVersions(p.projectId, {
          limit,
          ...(request.query.before !== undefined ? { beforeNumber: request.query.before } : {}),
        }),
        ctx.store.getActivePolicy(p.projectId),
      ]);
      const activeId = active?.version.id ?? null;
      const last = versions.at(-1);
      return {
        versions: versions.map((v) => versionSummary(v, activeId)),
        active_version: activeId,
        next_before: versions.length === limit && last ? last.number : null,
      };
    },
  );

  app.get(
    "/api/v1/policies/bundle",
    {
      schema: {
        summary: "The active policy set for SDKs, with ETag; 304 when If-None-Match matches",
        tags: ["policies"],
        response: { 200: BUNDLE_RESPONSE },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "ingest");
      return sendBundle(request, reply, await ctx.policies.bundle(p.projectId));
    },
  );

  // GET /api/v1/policies/cedar (the Python dialects) is in compat.ts.

  app.get(
    "/api/v1/policies/activations",
    {
      schema: {
        summary: "History of activations and rollbacks, newest first",
        tags: ["policies"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const limit = (request.query as { limit?: number }).limit ?? 100;
      return { activations: (await ctx.store.listPolicyActivations(p.projectId, limit)).map(activationJson) };
    },
  );

  app.post(
    "/api/v1/policies/rollback",
    {
      schema: {
        summary:
          "Make the version that was active before the current one active again (409 when there is none)",
        tags: ["policies"],
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const { version, activation } = await ctx.policies.rollback(p.projectId, p.keyId);
      return { version: versionSummary(version, version.id), activation: activationJson(activation) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/policies/:id",
    { schema: { summary: "One policy version with its text", tags: ["policies"], params: ID_PARAMS } },
    async (request) => {
      const p = requireRole(request, "admin");
      const [version, active] = await Promise.all([
        ctx.store.getPolicyVersion(p.projectId, request.params.id),
        ctx.store.getActivePolicy(p.projectId),
      ]);
      if (!version) throw notFound(`policy version ${request.params.id}`);
      return versionJson(version, active?.version.id ?? null);
    },
  );

  app.post<{ Params: { id: string } }>(
    "/api/v1/policies/:id/activate",
    { schema: { summary: "Make a version the active one", tags: ["policies"], params: ID_PARAMS } },
    async (request) => {
      const p = requireRole(request, "admin");
      const { version, activation } = await ctx.policies.activate(p.projectId, request.params.id, p.keyId);
      return { version: versionSummary(version, version.id), activation: activationJson(activation) };
    },
  );

  app.post<{
    Body: {
      policies?: string;
      version_id?: string;
      schema?: string;
      default_decision?: DefaultDecision;
      since?: string | number;
      until?: string | number;
      agent_id?: string;
      max_examples?: number;
      max_events?: number;
    };
  }>(
    "/api/v1/policies/replay",
    {
      schema: {
        summary:
          "Decide the recorded events of a window again with a candidate policy set and report what would change",
        tags: ["policies"],
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            policies: POLICY_TEXT,
            version_id: { type: "string", minLength: 1, maxLength: 256, pattern: NO_NUL },
            schema: POLICY_TEXT,
            default_decision: DEFAULT_DECISION,
            since: { type: ["string", "number"] },
            until: { type: ["string", "number"] },
            agent_id: { type: "string", minLength: 1, maxLength: 256, pattern: NO_NUL },
            max_examples: { type: "integer", minimum: 0, maximum: 100, default: 10 },
            max_events: { type: "integer", minimum: 1, maximum: 10_000_000, default: 1_000_000 },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const b = request.body;
      if ((b.policies === undefined) === (b.version_id === undefined)) {
        throw badRequest(
          "send either `policies` (a candidate text) or `version_id` (a stored version), not both",
        );
      }
      if (b.version_id !== undefined && (b.schema !== undefined || b.default_decision !== undefined)) {
        throw badRequest("`schema` and `default_decision` go with `policies`; a stored version has its own");
      }
      const now = Date.now() * 1000;
      const until = timeParam("until", b.until) ?? now + 1;
      const since = timeParam("since", b.since) ?? until - WEEK_US;
      if (since >= until) throw badRequest("`since` must be before `until`");
      let agentId: string | undefined;
      if (b.agent_id !== undefined) {
        const agent = await ctx.store.findAgent(p.projectId, b.agent_id);
        // Unknown and foreign agents alike: a window with no events.
        agentId = agent?.id ?? "agt_none";
      }
      return ctx.replay.run(p.projectId, {
        candidate:
          b.version_id !== undefined
            ? { versionId: b.version_id }
            : {
                policies: b.policies!,
                schema: b.schema ?? null,
                defaultDecision: b.default_decision ?? "allow",
              },
        since,
        until,
        ...(agentId !== undefined ? { agentId } : {}),
        maxExamples: b.max_examples ?? 10,
        maxEvents: b.max_events ?? 1_000_000,
      });
    },
  );
}
