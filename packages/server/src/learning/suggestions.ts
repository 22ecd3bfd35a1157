import type { CedarRequest, SuggestionImpact } from "@trusera/core";
import { type CedarDecision, cedarString, eventToCedarRequest, formatMicros, sha256Hex } from "@trusera/core";
import { compileOrThrow } from "../policies/policy-compiler.js";
import type { PolicyBundle } from "../policies/policy-service.js";
import type { Store, StoredEvent } from "../store/types.js";

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

type Subject = { action: LearnedAction; name: string };

/**
 * What events with the same stored texts share: their request (its index among the distinct requests
 * of the window, each decided once per policy set), their agent and their name.
 */
interface Source {
  request: number;
  agentId: string | null;
  name: string;
}

/** One event of the window, kept small: a million of them are held at once. */
interface Seen {
  id: string;
  ts: number;
  recorded: "allow" | "deny";
  src: Source;
}

const exampleOf = (s: Seen): Example => ({
  event_id: s.id,
  agent_id: s.src.agentId,
  name: s.src.name,
  timestamp: formatMicros(s.ts),
});

const PAGE = 5000;
// Stored texts already turned into a request, remembered up to this many (then forgotten, and redone).
const RAW_MAX = 200_000;

/** The resource id of the request is what a rule names: the host (as `resource.hostname`) or the tool. */
function subjectOf(request: CedarRequest): Subject | null {
  const action = request.action.id;
  return action === "api_call" || action === "tool_call" ? { action, name: request.resource.id } : null;
}

/** The Cedar rule of a suggestion: on the host (`resource.hostname`) or on the tool (`Tool::"name"`). */
function ruleText(kind: "allow" | "deny", subject: Subject, ruleId: string): string {
  const effect = kind === "allow" ? "permit" : "forbid";
  return subject.action === "api_call"
    ? `@id(${ruleId})\n${effect} (principal, action == Action::"api_call", resource) when { resource.hostname == ${cedarString(subject.name)} };`
    : `@id(${ruleId})\n${effect} (principal, action == Action::"tool_call", resource == Tool::${cedarString(subject.name)});`;
}

function reasonOf(kind: "allow" | "deny", subject: Subject, n: number, agents: number) {
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
  // Events the request model decides: all are replayed, but only those a rule can name are kept.
  let replayed = 0;
  // Distinct requests: many events make the same request, and each is kept and decided once. Many
  // also store the same texts, which are then parsed and turned into a request once.
  const requests: CedarRequest[] = [];
  const subjectOfRequest: number[] = [];
  const requestIndex = new Map<string, number>();
  const rawIndex = new Map<string, Source | null>();
  // What rules can name (hosts and tools), and the events of each in the order read.
  const subjects: { subject: Subject; events: Seen[] }[] = [];
  const subjectIndex = new Map<string, number>();
  let after: { ts: number; id: string } | undefined;
  let scanned = 0;
  for (;;) {
    const limit = Math.min(PAGE, o.maxEvents - scanned);
    if (limit <= 0) break;
    // Each page ends the window at the last event read: with only the `after` position, SQLite ranges
    // over [since, until) and steps over every event already read, page after page (quadratic).
    const page = await store.listEvents(projectId, {
      since: o.since,
      until: after ? Math.min(o.until, after.ts + 1) : o.until,
      limit,
      ...(after ? { after } : {}),
    });
    for (const e of page) {
      scanned++;
      const raw = `${e.type}\u0000${e.agentId ?? ""}\u0000${e.name}\u0000${e.payload}\u0000${e.metadata}`;
      let src = rawIndex.get(raw);
      if (src === undefined) {
        const request = requestOf(e);
        src = request < 0 ? null : { request, agentId: e.agentId, name: e.name };
        if (rawIndex.size >= RAW_MAX) rawIndex.clear();
        rawIndex.set(raw, src);
      }
      if (!src) continue;
      replayed++;
      const sub = subjectOfRequest[src.request]!;
      if (sub >= 0)
        subjects[sub]!.events.push({
          id: e.id,
          ts: e.ts,
          recorded: e.decision === "deny" || e.decision === "warn" ? "deny" : "allow",
          src,
        });
    }
    if (page.length < limit) break;
    after = page.at(-1)!;
  }
  rawIndex.clear();
  requestIndex.clear();

  /** The index of the event's request (-1 when the request model cannot decide it). */
  function requestOf(e: StoredEvent): number {
    let payload: Record<string, unknown>;
    let metadata: Record<string, unknown>;
    try {
      payload = JSON.parse(e.payload);
      metadata = JSON.parse(e.metadata);
    } catch {
      return -1;
    }
    const request = eventToCedarRequest({
      type: e.type as never,
      name: e.name,
      payload,
      metadata,
      agent_id: e.agentId ?? "unknown",
    });
    if (!request) return -1;
    const key = JSON.stringify(request);
    let index = requestIndex.get(key);
    if (index !== undefined) return index;
    index = requests.push(request) - 1;
    requestIndex.set(key, index);
    const subject = subjectOf(request);
    let sub = -1;
    if (subject) {
      const about = `${subject.action}|${subject.name}`;
      sub = subjectIndex.get(about) ?? -1;
      if (sub < 0) {
        sub = subjects.push({ subject, events: [] }) - 1;
        subjectIndex.set(about, sub);
      }
    }
    subjectOfRequest.push(sub);
    return index;
  }

  const base = compileOrThrow(active.policies, {
    schema: null,
    defaultDecision: active.defaultDecision,
    slot: `trusera.learning.base.${projectId}`,
  });
  const before: (CedarDecision | undefined)[] = new Array(requests.length);
  const decideBefore = (i: number) => {
    let d = before[i];
    if (!d) {
      d = base.policySet.evaluate(requests[i]!);
      before[i] = d;
    }
    return d;
  };
  // The candidates: per host or tool, a permit from the denied events, a forbid from the allowed ones.
  type Group = { kind: "allow" | "deny"; subject: Subject; all: Seen[]; items: Seen[] };
  const groups: Group[] = [];
  for (const { subject, events } of subjects) {
    const denied = events.filter((s) => s.recorded === "deny");
    if (denied.length > 0) groups.push({ kind: "allow", subject, all: events, items: denied });
    if (denied.length < events.length)
      groups.push({
        kind: "deny",
        subject,
        all: events,
        items: events.filter((s) => s.recorded === "allow"),
      });
  }
  const order = (g: Group) => `${g.subject.name}\u0000${g.subject.action}`;
  const out: ServerSuggestion[] = [];
  for (const g of groups.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))) {
    const agents = new Set(g.items.map((s) => s.src.agentId ?? "unknown")).size;
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
      replayed,
      changed: 0,
      allow_to_deny: 0,
      deny_to_allow: 0,
      examples: [],
    };
    const decided = new Map<number, CedarDecision>();
    let opens = false;
    // Every other event is decided alike under both sets: the rule's scope (`action ==` and its host
    // or tool) cannot match it. So only the events of the rule's subject are decided again.
    for (const s of g.all) {
      const r = s.src.request;
      let d = decided.get(r);
      if (!d) {
        d = cand.policySet.evaluate(requests[r]!);
        decided.set(r, d);
      }
      const was = decideBefore(r);
      if (was.decision === d.decision) continue;
      if (d.decision === "allow" && was.policyIds.length > 0) opens = true;
      impact.changed++;
      if (d.decision === "deny") impact.allow_to_deny++;
      else impact.deny_to_allow++;
      if (impact.examples.length < o.maxExamples)
        impact.examples.push({ ...exampleOf(s), from: was.decision, to: d.decision });
    }
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
        examples: g.items.slice(0, o.maxExamples).map(exampleOf),
      },
      impact,
    });
  }
  return { events: replayed, suggestions: out };
}
