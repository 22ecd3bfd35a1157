import { isJsonObject } from "@trusera/core";
import type { FastifyBaseLogger, FastifyRequest } from "fastify";
import type { PolicyBundle } from "../policies/policy-service.js";
import { type Downlevelled, downlevelForPythonV1, policyIdOfV1Rule } from "./python-v1-rules.js";

/**
 * The published Python SDK 1.x (PyPI `trusera-sdk` <= 1.2.0). It names itself in its User-Agent,
 * `trusera-sdk-python/1.0.0` (1.2.0 still sends 1.0.0); `?dialect=python-v1` asks for its answers
 * explicitly. Our own SDKs read the bundle, so nothing changes for them.
 */
export function isPythonV1(request: FastifyRequest): boolean {
  const ua = request.headers["user-agent"];
  if (typeof ua === "string" && ua.startsWith("trusera-sdk-python/1.")) return true;
  return (request.query as Record<string, unknown> | undefined)?.dialect === "python-v1";
}

/**
 * Its interceptor records each HTTP call it let through as an `interception`
 * (`payload {method, url, status_code, duration_ms}`, `metadata {allowed, enforcement}`). Stored as
 * the `api_call` it is, decided `allow` (or `warn` when a warn/log-mode client let a denied call
 * through), with the original type kept in `metadata.sdk_event_type`. Its `policy_violation`s get
 * `metadata.policy_ids` (below). Anything else is unchanged.
 */
export function fromPythonV1Event(raw: unknown): unknown {
  if (!isJsonObject(raw)) return raw;
  if (raw.type === "policy_violation") return withPolicyIds(raw);
  if (raw.type !== "interception") return raw;
  const payload = isJsonObject(raw.payload) ? raw.payload : {};
  const metadata = isJsonObject(raw.metadata) ? raw.metadata : {};
  const method = typeof payload.method === "string" ? payload.method.toUpperCase() : null;
  const url = typeof payload.url === "string" ? payload.url : null;
  // The fields normalizeEvent reads, copied one by one: spreading the event and its metadata into new
  // literals cost ~5-9 µs an event here (V8's object-clone path), explicit fields well under 1 µs.
  const meta: Record<string, unknown> = Object.assign({}, metadata);
  meta.decision ??= metadata.allowed === false ? "warn" : "allow";
  meta.sdk_event_type = "interception";
  return {
    id: raw.id,
    type: "api_call",
    name: method && url ? `${method} ${url}` : raw.name,
    agent_id: raw.agent_id,
    timestamp: raw.timestamp,
    payload: raw.payload,
    metadata: meta,
  };
}

/**
 * Its `policy_violation` names the rule that matched by its text (`metadata.policy_id`); the rules
 * this server sent carry the policy's id in it, which becomes `metadata.policy_ids` as our SDKs write.
 */
function withPolicyIds(raw: Record<string, unknown>): unknown {
  const m = raw.metadata;
  if (!isJsonObject(m) || typeof m.policy_id !== "string" || m.policy_ids !== undefined) return raw;
  const id = policyIdOfV1Rule(m.policy_id);
  if (id === null) return raw;
  const metadata: Record<string, unknown> = Object.assign({}, m);
  metadata.policy_ids = [id];
  const { id: eventId, type, name, agent_id, timestamp, payload } = raw;
  return { id: eventId, type, name, agent_id, timestamp, payload, metadata };
}

const MAX_SETS = 64;

/**
 * The active set as the 1.x policy cache reads it, `{policies: [{id, cedar_dsl, enabled}]}`, plus
 * `left_out: [{id, reason}]`. Down-levelled once per policy digest; what is left out is logged once
 * per project and digest (and shown on the dashboard's policy page).
 */
export class PythonV1Policies {
  readonly #sets = new Map<string, Promise<Downlevelled>>();
  readonly #reported = new Set<string>();

  of(bundle: PolicyBundle): Promise<Downlevelled> {
    const key = `${bundle.defaultDecision}:${bundle.digest}`;
    let set = this.#sets.get(key);
    if (!set) {
      if (this.#sets.size >= MAX_SETS) this.#sets.clear();
      set = downlevelForPythonV1(bundle.policies, bundle.defaultDecision);
      this.#sets.set(key, set);
    }
    return set;
  }

  async answer(projectId: string, bundle: PolicyBundle, log: FastifyBaseLogger) {
    const { rules, leftOut } = await this.of(bundle);
    const key = `${projectId}:${bundle.digest}:${bundle.defaultDecision}`;
    if (leftOut.length > 0 && !this.#reported.has(key)) {
      if (this.#reported.size >= MAX_SETS * 16) this.#reported.clear();
      this.#reported.add(key);
      log.warn(
        { project: projectId, version: bundle.version, left_out: leftOut },
        `policies for Python SDK 1.x clients: ${leftOut.length} rule(s) left out that its parser cannot express (${leftOut.map((l) => l.id).join(", ")}); those clients do not enforce them`,
      );
    }
    return {
      version: bundle.version,
      digest: bundle.digest,
      default_decision: bundle.defaultDecision,
      policies: rules,
      left_out: leftOut,
    };
  }
}
