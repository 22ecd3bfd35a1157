import { type CedarEntity, type CedarRequest, type EntityRef, httpRequest } from "@trusera/core";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { type LegacyEvaluate, legacyEvaluateAnswer, legacyEvaluateOf } from "../dialects/ts-v1.js";
import { badRequest } from "../errors.js";
import { MAX_INLINE_POLICY_CHARS } from "../policies/policy-compiler.js";
import type { DefaultDecision } from "../store/types.js";

type RefInput = string | { type: string; id: string };

const REF = {
  anyOf: [
    {
      type: "object",
      required: ["type", "id"],
      properties: {
        type: { type: "string", minLength: 1, maxLength: 256 },
        id: { type: "string", maxLength: 4096 },
      },
    },
    { type: "string", minLength: 1, maxLength: 4096 },
  ],
} as const;

const ENTITY_TEXT = /^(.+)::"((?:[^"\\]|\\.)*)"$/s;

/**
 * An entity as clients send it: `{type, id}`, Cedar's `Type::"id"`, or a bare id, which is read as an
 * Agent for the principal and an Action for the action. A bare resource has no type to guess: 400.
 */
function entityRef(value: RefInput, role: "principal" | "action" | "resource"): EntityRef {
  if (typeof value === "object") return { type: value.type, id: value.id };
  const m = ENTITY_TEXT.exec(value);
  if (m) return { type: m[1]!, id: JSON.parse(`"${m[2]}"`) as string };
  if (role === "principal") return { type: "Agent", id: value };
  if (role === "action") return { type: "Action", id: value };
  throw badRequest(`resource must be {type, id} or Type::"id", got ${JSON.stringify(value)}`);
}

/**
 * The request to decide. For an `api_call` with a `url` in its context and no entities of its own,
 * the request is built by the request model (core's httpRequest), so that policies written against
 * it (`resource.hostname`, `context.path`) decide remote requests exactly as they do in the SDK.
 */
function toRequest(body: EvaluateBody): CedarRequest {
  const principal = entityRef(body.principal, "principal");
  const action = entityRef(body.action, "action");
  const resource = entityRef(body.resource, "resource");
  const context = body.context ?? {};
  if (
    action.type === "Action" &&
    action.id === "api_call" &&
    body.entities === undefined &&
    typeof context.url === "string"
  ) {
    try {
      const built = httpRequest(principal.id, {
        url: context.url,
        method: typeof context.method === "string" ? context.method : "GET",
        headers: Array.isArray(context.headers)
          ? Object.fromEntries((context.headers as unknown[]).map((h) => [String(h), ""]))
          : null,
      });
      return { ...built, principal };
    } catch {
      throw badRequest("context.url is not a URL");
    }
  }
  return { principal, action, resource, context, entities: (body.entities ?? []) as CedarEntity[] };
}

/** The 1.x client names the agent by the id registration gave it; policies name it by its name. */
async function legacyRequest(
  ctx: AppContext,
  projectId: string,
  legacy: LegacyEvaluate,
): Promise<CedarRequest> {
  const agent = await ctx.store.findAgent(projectId, legacy.agentRef);
  try {
    return httpRequest(agent?.name ?? legacy.agentRef, {
      url: legacy.url,
      method: legacy.method,
      headers: Object.fromEntries(legacy.headers.map((h) => [h, ""])),
    });
  } catch {
    throw badRequest("resource is not a URL");
  }
}

interface EvaluateBody {
  principal: RefInput;
  action: RefInput;
  resource: RefInput;
  context?: Record<string, unknown>;
  entities?: unknown[];
  inline_policy?: string;
  default_decision?: DefaultDecision;
}

export async function decisionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: EvaluateBody }>(
    "/api/v1/cedar/evaluate",
    {
      schema: {
        summary:
          "Remote decision: decide one request against the project's active policy set (or `inline_policy`)",
        tags: ["policies"],
        body: {
          type: "object",
          required: ["principal", "action", "resource"],
          properties: {
            principal: REF,
            action: REF,
            resource: REF,
            context: { type: "object" },
            entities: { type: "array", maxItems: 1000, items: { type: "object" } },
            inline_policy: { type: "string", maxLength: MAX_INLINE_POLICY_CHARS },
            default_decision: { type: "string", enum: ["allow", "deny"] },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const body = request.body;
      // The published TypeScript SDK 1.x's body and answer casing (dialects/ts-v1.ts).
      const legacy = legacyEvaluateOf(body);
      const cedarRequest = legacy ? await legacyRequest(ctx, p.projectId, legacy) : toRequest(body);
      const answer =
        body.inline_policy !== undefined
          ? {
              ...ctx.decisions.decideInline(
                body.inline_policy,
                body.default_decision ?? "allow",
                cedarRequest,
              ),
              version: null,
            }
          : await ctx.decisions.decideActive(p.projectId, cedarRequest);
      ctx.metrics.decisions.inc(1, { decision: answer.decision });
      if (legacy) return legacyEvaluateAnswer(answer);
      return {
        decision: answer.decision,
        diagnostic: { reasons: answer.policyIds, errors: answer.errors },
        version: answer.version,
      };
    },
  );
}
