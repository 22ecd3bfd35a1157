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

export interface ServerSuggestion {
  id: string;
  kind: "allow" | "deny";
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
  host: string;
  request: CedarRequest;
}

const PAGE = 5000;

function hostOf(e: {
  payload: string;
  name: string;
}): { payload: Record<string, unknown> } & { host: string } {
  const payload = JSON.parse(e.payload) as Record<string, unknown>;
  const url = typeof payload.url === "string" ? payload.url : e.name.split(" ")[1];
  return { payload, host: url ? new URL(url).hostname.toLowerCase() : "" };
}

/**
 * Rules learned from a project's stored `api_call` events, as Cedar policies over the active set:
 * `permit` for a host denied (or warned) repeatedly by several agents, `forbid` for a host that was
 * allowed but seen only rarely. Each with its evidence and its impact: every event of the window
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
      if (e.type !== "api_call") continue;
      let parsed: ReturnType<typeof hostOf>;
      let metadata: Record<string, unknown>;
      try {
        parsed = hostOf(e);
        metadata = JSON.parse(e.metadata);
      } catch {
        continue;
      }
      const agent = e.agentId ?? "unknown";
      const request = eventToCedarRequest({
        type: "api_call",
        name: e.name,
        payload: parsed.payload,
        metadata,
        agent_id: agent,
      });
      if (!request || !parsed.host) continue;
      seen.push({
        example: { event_id: e.id, agent_id: e.agentId, name: e.name, timestamp: formatMicros(e.ts) },
        agent,
        ts: e.ts,
        recorded: e.decision === "deny" || e.decision === "warn" ? "deny" : "allow",
        host: parsed.host,
        request,
      });
    }
    if (page.length < limit) break;
    after = page.at(-1)!;
  }

  const groups = new Map<string, { kind: "allow" | "deny"; host: string; items: Seen[] }>();
  for (const s of seen) {
    const key = `${s.recorded}|${s.host}`;
    let g = groups.get(key);
    if (!g) {
      g = { kind: s.recorded === "deny" ? "allow" : "deny", host: s.host, items: [] };
      groups.set(key, g);
    }
    g.items.push(s);
  }
  const base = compileOrThrow(active.policies, {
    schema: null,
    defaultDecision: active.defaultDecision,
    slot: `trusera.learning.base.${projectId}`,
  });
  const memo = new Map<string, CedarDecision>();
  const before = seen.map((s) => {
    const k = JSON.stringify(s.request);
    let d = memo.get(k);
    if (!d) {
      d = base.policySet.evaluate(s.request);
      memo.set(k, d);
    }
    return d;
  });
  const out: ServerSuggestion[] = [];
  for (const g of [...groups.values()].sort((a, b) => (a.host < b.host ? -1 : 1))) {
    const agents = new Set(g.items.map((s) => s.agent)).size;
    if (g.kind === "allow" && (g.items.length < o.minCount || agents < o.minAgents)) continue;
    if (g.kind === "deny" && g.items.length > o.rareMax) continue;
    const id = `S-${sha256Hex(`${g.kind}|api_call|${g.host}`).slice(0, 12)}`;
    const ruleId = cedarString(`learned-${g.kind}-${id.slice(2)}`);
    // Already approved: the rule is in the active set.
    if (active.policies.includes(`@id(${ruleId})`)) continue;
    const effect = g.kind === "allow" ? "permit" : "forbid";
    const policy = `@id(${ruleId})\n${effect} (principal, action == Action::"api_call", resource) when { resource.hostname == ${cedarString(g.host)} };`;
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
      const k = JSON.stringify(s.request);
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
      policy,
      reason:
        g.kind === "allow"
          ? `api calls to ${g.host} were denied ${g.items.length} times by ${agents} agents and look routine`
          : `api calls to a new host, ${g.host}, were allowed only ${g.items.length} time(s)`,
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
