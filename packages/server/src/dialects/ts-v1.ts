import { isJsonObject } from "@trusera/core";

/**
 * The published TypeScript SDK 1.x (`trusera-sdk` 1.1.2, github.com/Trusera/trusera-sdk-js). Its
 * client names the agent only in `metadata.agent_id`; its interceptor's `policyUrl` posts
 * `{principal: "<agent id>", action: "http.<method>", resource: "<url>", context: {headers: {...},
 * body_present, timestamp}}` and compares `decision === "Deny"`, reading `reasons`.
 */

/**
 * An event that names its agent only in `metadata.agent_id` is that agent's, and its interceptor's
 * violation event (`payload.policy_decision: "Deny"`, no decision of ours) is decided `deny`. Anything
 * else is unchanged.
 */
export function fromTsV1Event(raw: unknown): unknown {
  if (!isJsonObject(raw)) return raw;
  const m = isJsonObject(raw.metadata) ? raw.metadata : null;
  const adopt =
    !(typeof raw.agent_id === "string" && raw.agent_id !== "") &&
    typeof m?.agent_id === "string" &&
    m.agent_id !== "";
  const denied =
    isJsonObject(raw.payload) && raw.payload.policy_decision === "Deny" && m?.decision === undefined;
  if (!adopt && !denied) return raw;
  // The fields normalizeEvent reads (a spread of the whole event is V8's slower object-clone path).
  const metadata: Record<string, unknown> = Object.assign({}, m);
  if (denied) metadata.decision = "deny";
  const { id, type, name, timestamp, payload } = raw;
  return { id, type, name, agent_id: adopt ? m!.agent_id : raw.agent_id, timestamp, payload, metadata };
}

const LEGACY_ACTION = /^http\.([a-z]+)$/i;
const ENTITY_TEXT = /^.+::"/s;

export interface LegacyEvaluate {
  /** The agent as the client names it (its id, or the name it was given). */
  agentRef: string;
  url: string;
  method: string;
  /** Header names, as the request model wants them (values never reach a policy). */
  headers: string[];
}

/** The 1.x evaluate body, or null for any other (ours are decided as they always were). */
export function legacyEvaluateOf(body: {
  principal: unknown;
  action: unknown;
  resource: unknown;
  context?: unknown;
}): LegacyEvaluate | null {
  if (typeof body.action !== "string" || typeof body.principal !== "string") return null;
  const m = LEGACY_ACTION.exec(body.action);
  if (!m || typeof body.resource !== "string" || ENTITY_TEXT.test(body.resource)) return null;
  const context = isJsonObject(body.context) ? body.context : {};
  const headers = isJsonObject(context.headers) ? Object.keys(context.headers) : [];
  return { agentRef: body.principal, url: body.resource, method: m[1]!.toUpperCase(), headers };
}

/** The answer in the casing the 1.x interceptor compares (`"Allow"` / `"Deny"`), with `reasons`. */
export function legacyEvaluateAnswer(answer: {
  decision: string;
  policyIds: string[];
  errors: unknown[];
  version: string | null;
}) {
  return {
    decision: answer.decision === "deny" ? "Deny" : "Allow",
    reasons: answer.policyIds,
    diagnostic: { reasons: answer.policyIds, errors: answer.errors },
    version: answer.version,
  };
}
