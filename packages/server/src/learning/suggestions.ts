import type { CedarRequest, SuggestionImpact } from "@trusera/core";
import { cedarString, formatMicros, sha256Hex } from "@trusera/core";
import { compileOrThrow } from "../policies/policy-compiler.js";
import type { PolicyBundle } from "../policies/policy-service.js";
import { storedEventRequest } from "../policies/stored-request.js";
import type { ScannedEvent, Store } from "../store/types.js";

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
type Outcome = "allow" | "deny";

/**
 * What events with the same stored texts share: their request (its index among the distinct requests
 * of the window, each decided once per policy set), their agent and their name.
 */
interface Source {
  request: number;
  agentId: string | null;
  name: string;
}

/** An event kept as a possible example; `seq` is its place in the order read (newest first). */
interface Kept {
  seq: number;
  id: string;
  ts: number;
  src: Source;
}

/** Events of one subject with one recorded outcome: the evidence of a suggestion, counted. */
interface Tally {
  count: number;
  agents: Set<string>;
  first: number;
  last: number;
  examples: Kept[];
}

const tally = (): Tally => ({ count: 0, agents: new Set(), first: Infinity, last: -Infinity, examples: [] });

const exampleOf = (k: Kept): Example => ({
  event_id: k.id,
  agent_id: k.src.agentId,
  name: k.src.name,
  timestamp: formatMicros(k.ts),
});

// Not request indexes: an event the request model cannot decide (not replayed), and one it decides
// that names no host or tool (replayed, but no rule learned here can change its decision).
const UNDECIDABLE = -1;
const NOTHING_TO_LEARN = -2;
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
  // Nothing is held per event: a window of a million events is counted, by distinct request and by
  // subject, keeping only the first few of each as examples.
  let replayed = 0;
  // Distinct requests: many events make the same request, and each is kept and decided once. Many
  // also store the same texts, which are then parsed and turned into a request once.
  const requests: CedarRequest[] = [];
  const requestIndex = new Map<string, number>();
  // payload text -> metadata text -> type, agent and name: looked up without building one long key.
  const rawIndex = new Map<string, Map<string, Map<string, Source | null>>>();
  let rawSize = 0;
  // Per request (those a rule can name): its subject, how many events made it, the first of them.
  const subjectOfRequest: number[] = [];
  const requestCount: number[] = [];
  const requestFirst: Kept[][] = [];
  // What rules can name (hosts and tools): their distinct requests and their events counted by the
  // outcome recorded.
  const subjects: { subject: Subject; requests: number[]; recorded: Record<Outcome, Tally> }[] = [];
  const subjectIndex = new Map<string, number>();
  const scan = store.scanEvents(projectId, { since: o.since, until: o.until, limit: o.maxEvents });
  for await (const page of scan) {
    for (const e of page) {
      let byMetadata = rawIndex.get(e.payload);
      let byRest = byMetadata?.get(e.metadata);
      const rest = `${e.type}\u0000${e.agentId ?? ""}\u0000${e.name}`;
      let src = byRest?.get(rest);
      if (src === undefined) {
        const request = requestOf(e);
        src = request === UNDECIDABLE ? null : { request, agentId: e.agentId, name: e.name };
        if (rawSize >= RAW_MAX) {
          rawIndex.clear();
          rawSize = 0;
          byMetadata = undefined;
          byRest = undefined;
        }
        if (!byMetadata) {
          byMetadata = new Map();
          rawIndex.set(e.payload, byMetadata);
        }
        if (!byRest) {
          byRest = new Map();
          byMetadata.set(e.metadata, byRest);
        }
        byRest.set(rest, src);
        rawSize++;
      }
      if (!src) continue;
      const seq = replayed++;
      const r = src.request;
      if (r === NOTHING_TO_LEARN) continue;
      const sub = subjectOfRequest[r]!;
      requestCount[r]!++;
      const firsts = requestFirst[r]!;
      const kept = firsts.length < o.maxExamples ? { seq, id: e.id, ts: e.ts, src } : null;
      if (kept) firsts.push(kept);
      const t = subjects[sub]!.recorded[e.decision === "deny" || e.decision === "warn" ? "deny" : "allow"];
      t.count++;
      t.agents.add(src.agentId ?? "unknown");
      if (e.ts < t.first) t.first = e.ts;
      if (e.ts > t.last) t.last = e.ts;
      if (t.examples.length < o.maxExamples) t.examples.push(kept ?? { seq, id: e.id, ts: e.ts, src });
    }
  }
  rawIndex.clear();
  requestIndex.clear();

  /** The index of the event's request, or UNDECIDABLE, or NOTHING_TO_LEARN. */
  function requestOf(e: ScannedEvent): number {
    const request = storedEventRequest(e, e.agentId);
    if (!request) return UNDECIDABLE;
    // Replayed but left as is: no rule learned here can change its decision.
    const subject = subjectOf(request);
    if (!subject) return NOTHING_TO_LEARN;
    const key = JSON.stringify(request);
    let index = requestIndex.get(key);
    if (index !== undefined) return index;
    index = requests.push(request) - 1;
    requestIndex.set(key, index);
    const about = `${subject.action}|${subject.name}`;
    let sub = subjectIndex.get(about);
    if (sub === undefined) {
      sub = subjects.push({ subject, requests: [], recorded: { allow: tally(), deny: tally() } }) - 1;
      subjectIndex.set(about, sub);
    }
    subjects[sub]!.requests.push(index);
    subjectOfRequest.push(sub);
    requestCount.push(0);
    requestFirst.push([]);
    return index;
  }

  const base = compileOrThrow(active.policies, {
    schema: null,
    defaultDecision: active.defaultDecision,
    slot: `trusera.learning.base.${projectId}`,
  });
  // The candidates: per host or tool, a permit from the denied events, a forbid from the allowed ones.
  type Group = { kind: Outcome; subject: Subject; requests: number[]; evidence: Tally };
  const groups: Group[] = [];
  for (const { subject, requests: of, recorded } of subjects) {
    if (recorded.deny.count > 0)
      groups.push({ kind: "allow", subject, requests: of, evidence: recorded.deny });
    if (recorded.allow.count > 0)
      groups.push({ kind: "deny", subject, requests: of, evidence: recorded.allow });
  }
  const order = (g: Group) => `${g.subject.name}\u0000${g.subject.action}`;
  const out: ServerSuggestion[] = [];
  for (const g of groups.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))) {
    const count = g.evidence.count;
    const agents = g.evidence.agents.size;
    if (g.kind === "allow" && (count < o.minCount || agents < o.minAgents)) continue;
    if (g.kind === "deny" && count > o.rareMax) continue;
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
    const examples: (Kept & { from: Outcome; to: Outcome })[] = [];
    let opens = false;
    // Every other request is decided alike under both sets: the rule's scope (`action ==` and its host
    // or tool) cannot match it. So only the requests of the rule's subject are decided again.
    for (const r of g.requests) {
      const was = base.policySet.evaluate(requests[r]!);
      const now = cand.policySet.evaluate(requests[r]!);
      if (was.decision === now.decision) continue;
      if (now.decision === "allow" && was.policyIds.length > 0) opens = true;
      const n = requestCount[r]!;
      impact.changed += n;
      if (now.decision === "deny") impact.allow_to_deny += n;
      else impact.deny_to_allow += n;
      for (const k of requestFirst[r]!) examples.push({ ...k, from: was.decision, to: now.decision });
    }
    if (impact.changed === 0 || opens) continue;
    impact.examples = examples
      .sort((a, b) => a.seq - b.seq)
      .slice(0, o.maxExamples)
      .map((k) => ({ ...exampleOf(k), from: k.from, to: k.to }));
    out.push({
      id,
      kind: g.kind,
      action: g.subject.action,
      policy,
      reason: reasonOf(g.kind, g.subject, count, agents),
      evidence: {
        count,
        agents,
        first_seen: formatMicros(g.evidence.first),
        last_seen: formatMicros(g.evidence.last),
        examples: g.evidence.examples.map(exampleOf),
      },
      impact,
    });
  }
  return { events: replayed, suggestions: out };
}
