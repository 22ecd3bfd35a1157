import { type CedarDecision, type CompiledPolicySet, eventToCedarRequest, formatMicros } from "@trusera/core";
import { notFound } from "../errors.js";
import type { DefaultDecision, Store, StoredEvent } from "../store/types.js";
import { compileOrThrow, type PolicyWarning } from "./policy-compiler.js";

export interface ReplayInput {
  /** Candidate policy text, or the id of a stored version. */
  candidate:
    | { policies: string; schema: string | null; defaultDecision: DefaultDecision }
    | { versionId: string };
  /** µs, inclusive. */
  since: number;
  /** µs, exclusive. */
  until: number;
  agentId?: string;
  maxExamples: number;
  maxEvents: number;
}

export interface ReplayExample {
  event_id: string;
  agent_id: string | null;
  agent_name: string | null;
  type: string;
  name: string;
  timestamp: string;
  recorded: "allow" | "deny";
  candidate: "allow" | "deny";
  /** The candidate's policies that decided it. */
  policy_ids: string[];
  errors: string[];
}

export interface ReplayReport {
  window: { since: string; until: string };
  candidate: { version: string | null; default_decision: DefaultDecision; policies: number };
  warnings: PolicyWarning[];
  events_scanned: number;
  /** Events decided again (those that stand for an action). */
  evaluated: number;
  /** policy_violation events and events that lack what a request needs. */
  skipped: number;
  unchanged: number;
  changed: number;
  allow_to_deny: number;
  deny_to_allow: number;
  /** For allow->deny: how many each candidate policy denied. */
  denied_by_policy: Record<string, number>;
  examples: { allow_to_deny: ReplayExample[]; deny_to_allow: ReplayExample[] };
  /** Calls to the engine: identical requests (same agent, endpoint, headers) are decided once per replay. */
  engine_calls: number;
  /** True when the window held more than `max_events` events and the rest were not read. */
  truncated: boolean;
  duration_ms: number;
}

const PAGE = 5000;
// Recorded traffic repeats itself (one agent calling one endpoint): an engine call costs ~100-300 µs
// here, a lookup a microsecond. Bounded so that a replay of millions of distinct requests stays small.
const MEMO_MAX = 50_000;

/**
 * Replay: decides the recorded events of a window again with a candidate policy set and reports what
 * would change, before the candidate is activated. The recorded decision is the event's (`deny` or
 * `warn` count as deny: the policy denied even where enforcement let it pass; none recorded is allow).
 * The principal is the agent's name, as SDKs name it in their requests (`Agent::"my-agent"`).
 *
 * One replay at a time per process: the candidate lives in one engine slot across the awaits of paging.
 */
export class ReplayService {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: Store) {}

  run(projectId: string, input: ReplayInput): Promise<ReplayReport> {
    const next = this.#queue.then(() => this.replay(projectId, input));
    this.#queue = next.catch(() => {});
    return next;
  }

  private async replay(projectId: string, input: ReplayInput): Promise<ReplayReport> {
    const started = performance.now();
    let version: string | null = null;
    let text: string;
    let schema: string | null;
    let defaultDecision: DefaultDecision;
    if ("versionId" in input.candidate) {
      const v = await this.store.getPolicyVersion(projectId, input.candidate.versionId);
      if (!v) throw notFound(`policy version ${input.candidate.versionId}`);
      ({ id: version, policies: text, schema, defaultDecision } = v);
    } else {
      ({ policies: text, schema, defaultDecision } = input.candidate);
    }
    const { policySet, warnings } = compileOrThrow(text, { schema, defaultDecision, slot: "trusera.replay" });
    // Decided from compiled closures, not by the engine (~100x the cost per decision). A set of over 50
    // policies (the default-allow one counts) compiles in slices between turns of the event loop, which
    // the paging below never yields to: without this wait 100,000 events went to the engine (60 s).
    await policySet.whenCompiled();

    const report: ReplayReport = {
      window: { since: formatMicros(input.since), until: formatMicros(input.until) },
      candidate: { version, default_decision: defaultDecision, policies: policySet.policyIds.length },
      warnings,
      events_scanned: 0,
      evaluated: 0,
      skipped: 0,
      unchanged: 0,
      changed: 0,
      allow_to_deny: 0,
      deny_to_allow: 0,
      denied_by_policy: {},
      examples: { allow_to_deny: [], deny_to_allow: [] },
      engine_calls: 0,
      truncated: false,
      duration_ms: 0,
    };
    const names = new Map<string, string | null>();
    const memo = new Map<string, CedarDecision>();
    let after: { ts: number; id: string } | undefined;
    for (;;) {
      const limit = Math.min(PAGE, input.maxEvents - report.events_scanned + 1);
      const page = await this.store.listEvents(projectId, {
        since: input.since,
        until: input.until,
        limit,
        ...(input.agentId !== undefined ? { agentId: input.agentId } : {}),
        ...(after ? { after } : {}),
      });
      for (const e of page) {
        if (report.events_scanned === input.maxEvents) {
          report.truncated = true;
          break;
        }
        report.events_scanned++;
        if (e.agentId && !names.has(e.agentId)) {
          names.set(e.agentId, (await this.store.findAgent(projectId, e.agentId))?.name ?? null);
        }
        this.decideAgain(
          e,
          e.agentId ? (names.get(e.agentId) ?? null) : null,
          policySet,
          memo,
          report,
          input,
        );
      }
      if (report.truncated || page.length < limit) break;
      after = page.at(-1)!;
    }
    report.duration_ms = Math.round(performance.now() - started);
    return report;
  }

  private decideAgain(
    e: StoredEvent,
    agentName: string | null,
    set: CompiledPolicySet,
    memo: Map<string, CedarDecision>,
    report: ReplayReport,
    input: ReplayInput,
  ): void {
    let payload: Record<string, unknown>;
    let metadata: Record<string, unknown>;
    try {
      payload = JSON.parse(e.payload);
      metadata = JSON.parse(e.metadata);
    } catch {
      report.skipped++;
      return;
    }
    const request = eventToCedarRequest({
      type: e.type as never,
      name: e.name,
      payload,
      metadata,
      agent_id: agentName ?? e.agentId,
    });
    if (!request) {
      report.skipped++;
      return;
    }
    report.evaluated++;
    const recorded = e.decision === "deny" || e.decision === "warn" ? "deny" : "allow";
    const key = JSON.stringify(request);
    let answer = memo.get(key);
    if (!answer) {
      answer = set.evaluate(request);
      report.engine_calls++;
      if (memo.size >= MEMO_MAX) memo.clear();
      memo.set(key, answer);
    }
    if (answer.decision === recorded) {
      report.unchanged++;
      return;
    }
    report.changed++;
    const direction = recorded === "allow" ? "allow_to_deny" : "deny_to_allow";
    report[direction]++;
    if (direction === "allow_to_deny") {
      for (const id of answer.policyIds) report.denied_by_policy[id] = (report.denied_by_policy[id] ?? 0) + 1;
    }
    const examples = report.examples[direction];
    if (examples.length < input.maxExamples) {
      examples.push({
        event_id: e.id,
        agent_id: e.agentId,
        agent_name: agentName,
        type: e.type,
        name: e.name,
        timestamp: formatMicros(e.ts),
        recorded,
        candidate: answer.decision,
        policy_ids: answer.policyIds,
        errors: answer.errors,
      });
    }
  }
}
