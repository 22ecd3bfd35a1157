import type { CedarRequest, SuggestionImpact } from "@trusera/core";
import { type CedarDecision, cedarString, eventToCedarRequest, formatMicros, sha256Hex } from "@trusera/core";
import { compileOrThrow } from "../policies/policy-compiler.js";
import type { PolicyBundle } from "../policies/policy-service.js";
import type { Store } from "../store/types.js";

/** Thresholds (docs/learning.md), each a query parameter. */
export interface ServerLearningOptions {
  /** µs, inclusive / exclusive. */
  since: number;
  until: number;
  /** Allow rules: a host denied at least this many times ... */
  minCount: number;
  /** ... by at least this many distinct agents. */
  minAgents: number;
  /** Deny rules: an allowed host seen at most this many times is new. */
  rareMax: number;
  maxEvents: number;
  maxExamples: number;
}

interface Example {
  event_id: string;
  agent_id: string | null;
  name: string;
  timestamp: string;
}

/** What a rule is about: calls to a host, or calls of a tool. */
export type LearnedAction = "api_call" | "tool_call";

export interface ServerSuggestion {
  id: string;
  kind: "allow" | "deny";
  /** `api_call`: a rule on the host; `tool_call`: a rule on the tool. */
  action: LearnedAction;
  /** The Cedar policy the suggestion adds to the active set. */
  policy: string;
  reason: string;
  evidence: { count: number; agents: number; first_seen: string; last_seen: string; examples: Example[] };
  impact: SuggestionImpact<Example>;
}

interface Seen {
  example: Example;
  agent: string;
  ts: number;
  recorded: "allow" | "deny";
  /** What a rule could name: the host of an api call, the tool of a tool call; null for other events. */
  subject: { action: LearnedAction; name: string } | null;
  request: CedarRequest;
  /** The request as text: the memo key, made once per event rather than once per candidate. */
  key: string;
}

const PAGE = 5000;

function subjectOf(
  e: { type: string; name: string },
  payload: Record<string, unknown>,
  request: CedarRequest,
): Seen["subject"] {
  if (e.type === "api_call") {
    const url = typeof payload.url === "string" ? payload.url : e.name.split(" ")[1];
    try {
      const host = url ? new URL(url).hostname.toLowerCase() : "";
      return host ? { action: "api_call", name: host } : null;
    } catch {
      return null;
    }
  }
  if (e.type === "tool_call") return { action: "tool_call", name: request.resource.id };
  return null;
}

/** The Cedar rule of a suggestion: on the host (`resource.hostname`) or on the tool (`Tool::"name"`). */
function ruleText(kind: "allow" | "deny", subject: NonNullable<Seen["subject"]>, ruleId: string): string {
  const effect = kind === "allow" ? "permit" : "forbid";
  return subject.action === "api_call"
    ? `@id(${ruleId})\n${effect} (principal, action == Action::"api_call", resource) when { resource.hostname == ${cedarString(subject.name)} };`
    : `@id(${ruleId})\n${effect} (principal, action == Action::"tool_call", resource == Tool::${cedarString(subject.name)});`;
}

function reasonOf(kind: "allow" | "deny", subject: NonNullable<Seen["subject"]>, n: number, agents: number) {
  if (subject.action === "api_call")
    return kind === "allow"
      ? `api calls to ${subject.name} were denied ${n} times by ${agents} agents and look routine`
      : `api calls to a new host, ${subject.name}, were allowed only ${n} time(s)`;
  return kind === "allow"
    ? `calls of the tool ${subject.name} were denied ${n} times by ${agents} agents and look routine`
    : `a tool seldom used, ${subject.name}, was called (and allowed) only ${n} time(s)`;
}

/**
 * Rules learned from a project's stored `api_call` and `tool_call` events, as Cedar policies over the
 * active set: `permit` for a host (or tool) denied or warned repeatedly by several agents, `forbid`
 * for a host (or tool) that was allowed but seen only rarely. Each with its evidence and its impact:
 * every event of the window that the request model can decide (as POST /api/v1/policies/replay does)
 * decided again under the active set and under the set with the rule added. A rule that changes no
 * decision, or that would allow what a `forbid` of the active set denies, is not offered.
 */
export async function suggestFromEvents(
  store: Store,
  projectId: string,
  active: PolicyBundle,
  o: ServerLearningOptions,
): Promise<{ events: number; suggestions: ServerSuggestion[] }> {
  const seen: Seen[] = [];
  let after: { ts: number; id: string } | undefined;
  let scanned = 0;
  for (;;) {
    const limit = Math.min(PAGE, o.maxEvents - scanned);
    if (limit <= 0) break;
    const page = await store.listEvents(projectId, {
      since: o.since,
      until: o.until,
      limit,
      ...(after ? { after } : {}),
    });
    for (const e of page) {
      scanned++;
      let payload: Record<string, unknown>;
      let metadata: Record<string, unknown>;
      try {
        payload = JSON.parse(e.payload);
        metadata = JSON.parse(e.metadata);
      } catch {
        continue;
      }
      const agent = e.agentId ?? "unknown";
      const request = eventToCedarRequest({
        type: e.type as never,
        name: e.name,
        payload,
        metadata,
        agent_id: agent,
      });
      if (!request) continue;
      seen.push({
        example: { event_id: e.id, agent_id: e.agentId, name: e.name, timestamp: formatMicros(e.ts) },
        agent,
        ts: e.ts,
        recorded: e.decision === "deny" || e.decision === "warn" ? "deny" : "allow",
        subject: subjectOf(e, payload, request),
        request,
        key: JSON.stringify(request),
      });
    }
    if (page.length < limit) break;
    after = page.at(-1)!;
  }

  type Group = { kind: "allow" | "deny"; subject: NonNullable<Seen["subject"]>; items: Seen[] };
  const groups = new Map<string, Group>();
  for (const s of seen) {
    if (!s.subject) continue;
    const key = `${s.recorded}|${s.subject.action}|${s.subject.name}`;
    let g = groups.get(key);
    if (!g) {
      g = { kind: s.recorded === "deny" ? "allow" : "deny", subject: s.subject, items: [] };
      groups.set(key, g);
    }
    g.items.push(s);
  }
  const order = (g: Group) => `${g.subject.name}\u0000${g.subject.action}`;
  const base = compileOrThrow(active.policies, {
    schema: null,
    defaultDecision: active.defaultDecision,
    slot: `trusera.learning.base.${projectId}`,
  });
  const memo = new Map<string, CedarDecision>();
  const before = seen.map((s) => {
    const k = s.key;
    let d = memo.get(k);
    if (!d) {
      d = base.policySet.evaluate(s.request);
      memo.set(k, d);
    }
    return d;
  });
  const out: ServerSuggestion[] = [];
  for (const g of [...groups.values()].sort((a, b) => (order(a) < order(b) ? -1 : 1))) {
    const agents = new Set(g.items.map((s) => s.agent)).size;
    if (g.kind === "allow" && (g.items.length < o.minCount || agents < o.minAgents)) continue;
    if (g.kind === "deny" && g.items.length > o.rareMax) continue;
    const id = `S-${sha256Hex(`${g.kind}|${g.subject.action}|${g.subject.name}`).slice(0, 12)}`;
    const ruleId = cedarString(`learned-${g.kind}-${id.slice(2)}`);
    // Already approved: the rule is in the active set.
    if (active.policies.includes(`@id(${ruleId})`)) continue;
    const policy = ruleText(g.kind, g.subject, ruleId);
    const cand = compileOrThrow(`${active.policies}\n\n${policy}`, {
      schema: null,
      defaultDecision: active.defaultDecision,
      slot: `trusera.learning.candidate.${projectId}`,
    });
    const impact: ServerSuggestion["impact"] = {
      replayed: seen.length,
      changed: 0,
      allow_to_deny: 0,
      deny_to_allow: 0,
      examples: [],
    };
    const local = new Map<string, CedarDecision>();
    let opens = false;
    seen.forEach((s, i) => {
      const k = s.key;
      let d = local.get(k);
      if (!d) {
        d = cand.policySet.evaluate(s.request);
        local.set(k, d);
      }
      const was = before[i]!;
      if (was.decision === d.decision) return;
      if (d.decision === "allow" && was.policyIds.length > 0) opens = true;
      impact.changed++;
      if (d.decision === "deny") impact.allow_to_deny++;
      else impact.deny_to_allow++;
      if (impact.examples.length < o.maxExamples)
        impact.examples.push({ ...s.example, from: was.decision, to: d.decision });
    });
    if (impact.changed === 0 || opens) continue;
    const ts = g.items.map((s) => s.ts).sort((a, b) => a - b);
    out.push({
      id,
      kind: g.kind,
      action: g.subject.action,
      policy,
      reason: reasonOf(g.kind, g.subject, g.items.length, agents),
      evidence: {
        count: g.items.length,
        agents,
        first_seen: formatMicros(ts[0]!),
        last_seen: formatMicros(ts.at(-1)!),
        examples: g.items.slice(0, o.maxExamples).map((s) => s.example),
      },
      impact,
    });
  }
  return { events: seen.length, suggestions: out };
}
