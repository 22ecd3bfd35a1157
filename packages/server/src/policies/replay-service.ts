import { type CedarDecision, type CompiledPolicySet, formatMicros } from "@trusera/core";
import { notFound } from "../errors.js";
import type { DefaultDecision, ScannedEvent, Store } from "../store/types.js";
import { compileOrThrow, type PolicyWarning } from "./policy-compiler.js";
import { storedEventRequest } from "./stored-request.js";

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
  /**
   * Decisions made: events that repeat the stored texts of another (agent, type, name, payload and
   * metadata) are decided once per replay.
   */
  engine_calls: number;
  /** True when the window held more than `max_events` events and the rest were not read. */
  truncated: boolean;
  duration_ms: number;
}

// Recorded traffic repeats itself (one agent calling one endpoint, the same payload): a lookup by the
// stored texts skips parsing, building the request and deciding. Keyed by the texts, not by the
// request built from them: serializing each request (JSON.stringify) cost more than the compiled
// decision it saved. Bounded so that a replay of millions of distinct events stays small.
const MEMO_MAX = 50_000;
// Where fewer than a quarter of the first this many events repeat one before them, the memo is dropped:
// with distinct events, its keys and the entries it holds (the garbage collector's work) cost more than
// the decisions it saves.
const MEMO_TRIAL = 10_000;

/** payload text -> type, agent, name and metadata -> the answer (null: not a request, skipped). */
type Memo = Map<string, Map<string, CedarDecision | null>>;

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
    let memo: Memo | null = new Map();
    let memoSize = 0;
    let lookups = 0;
    let hits = 0;
    const scan = this.store.scanEvents(projectId, {
      since: input.since,
      until: input.until,
      // One more than the most replayed: its presence is what says the window was truncated.
      limit: input.maxEvents + 1,
      ...(input.agentId !== undefined ? { agentId: input.agentId } : {}),
    });
    reading: for await (const page of scan) {
      for (const e of page) {
        if (report.events_scanned === input.maxEvents) {
          report.truncated = true;
          break reading;
        }
        report.events_scanned++;
        let agentName: string | null = null;
        if (e.agentId) {
          if (!names.has(e.agentId)) {
            names.set(e.agentId, (await this.store.findAgent(projectId, e.agentId))?.name ?? null);
          }
          agentName = names.get(e.agentId) ?? null;
        }
        let answer: CedarDecision | null | undefined;
        if (memo === null) {
          answer = this.decide(e, agentName, policySet);
          if (answer !== null) report.engine_calls++;
        } else {
          // The answer is a function of the stored texts and the agent: events that repeat them are
          // decided once (looked up by payload, then the rest, without building one long key).
          let byRest = memo.get(e.payload);
          const rest = `${e.type}\u0000${e.agentId ?? ""}\u0000${e.name}\u0000${e.metadata}`;
          answer = byRest?.get(rest);
          if (answer === undefined) {
            answer = this.decide(e, agentName, policySet);
            if (answer !== null) report.engine_calls++;
            if (memoSize >= MEMO_MAX) {
              memo.clear();
              memoSize = 0;
              byRest = undefined;
            }
            if (!byRest) {
              byRest = new Map();
              memo.set(e.payload, byRest);
            }
            byRest.set(rest, answer);
            memoSize++;
          } else hits++;
          if (++lookups === MEMO_TRIAL && hits * 4 < lookups) {
            memo.clear();
            memo = null;
          }
        }
        if (answer === null) report.skipped++;
        else this.tally(e, agentName, answer, report, input);
      }
    }
    report.duration_ms = Math.round(performance.now() - started);
    return report;
  }

  /** The candidate's answer for a stored event, or null for one that is not a request (skipped). */
  private decide(e: ScannedEvent, agentName: string | null, set: CompiledPolicySet): CedarDecision | null {
    const request = storedEventRequest(e, agentName ?? e.agentId);
    return request ? set.evaluate(request) : null;
  }

  private tally(
    e: ScannedEvent,
    agentName: string | null,
    answer: CedarDecision,
    report: ReplayReport,
    input: ReplayInput,
  ): void {
    report.evaluated++;
    const recorded = e.decision === "deny" || e.decision === "warn" ? "deny" : "allow";
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
