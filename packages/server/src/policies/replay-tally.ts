import { type CedarDecision, type CedarRequest, formatMicros } from "@trusera/core";
import type { ScannedEvent } from "../store/types.js";
import { storedEventRequest } from "./stored-request.js";

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

/** What a replay counts over the events it read: the whole window, or a part of it. */
export interface ReplayCounts {
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
   * metadata) are decided once per replay (once per thread, when threads share the window).
   */
  engine_calls: number;
}

export function noCounts(): ReplayCounts {
  return {
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
  };
}

/**
 * Adds the counts of the next part of a window (in scan order) to those of the parts before it: the
 * sums, the first `maxExamples` examples, and policies in the order a single scan would first meet them.
 */
export function addCounts(into: ReplayCounts, part: ReplayCounts, maxExamples: number): void {
  into.events_scanned += part.events_scanned;
  into.evaluated += part.evaluated;
  into.skipped += part.skipped;
  into.unchanged += part.unchanged;
  into.changed += part.changed;
  into.allow_to_deny += part.allow_to_deny;
  into.deny_to_allow += part.deny_to_allow;
  into.engine_calls += part.engine_calls;
  for (const [id, n] of Object.entries(part.denied_by_policy))
    into.denied_by_policy[id] = (into.denied_by_policy[id] ?? 0) + n;
  for (const direction of ["allow_to_deny", "deny_to_allow"] as const) {
    const examples = into.examples[direction];
    for (const x of part.examples[direction]) if (examples.length < maxExamples) examples.push(x);
  }
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

/** An answer (null: not a request, skipped) and the stored texts it is the answer for, but the payload. */
interface Memoized {
  type: string;
  agentId: string | null;
  name: string;
  metadata: string;
  answer: CedarDecision | null;
}

/**
 * payload text -> the one event of that payload met so far, or (when several differ in the rest of
 * their texts) a map from the rest (see `restOf`) to the answer. Only payloads met twice cost a key
 * built of the other texts.
 */
type Memo = Map<string, Memoized | Map<string, CedarDecision | null>>;

const restOf = (e: Omit<Memoized, "answer">): string =>
  `${e.type}\u0000${e.agentId === null ? "\u0001" : e.agentId}\u0000${e.name}\u0000${e.metadata}`;

/**
 * Decides stored events again with a candidate and counts what changes: what one thread keeps across
 * the parts of a window it reads (agent names, the memo of answers). The recorded decision is the
 * event's (`deny` or `warn` count as deny: the policy denied even where enforcement let it pass; none
 * recorded is allow). The principal is the agent's name, as SDKs name it in their requests.
 */
export class ReplayTally {
  readonly #names = new Map<string, string | null>();
  #memo: Memo | null = new Map();
  #memoSize = 0;
  #lookups = 0;
  #hits = 0;

  constructor(
    /** The candidate (a CompiledPolicySet); an error it throws stops the count. */
    private readonly policySet: { evaluate(request: CedarRequest): CedarDecision },
    /** The name of the agent of this id, or null for none (looked up once per agent). */
    private readonly agentName: (agentId: string) => string | null | Promise<string | null>,
    private readonly maxExamples: number,
  ) {}

  /**
   * Counts the events of `pages`, at most `max` of them; `truncated` is true when `pages` held more
   * (ask for one more than `max` to know).
   */
  async count(
    pages: AsyncIterable<ScannedEvent[]> | Iterable<ScannedEvent[]>,
    max: number,
  ): Promise<{ counts: ReplayCounts; truncated: boolean }> {
    const counts = noCounts();
    const names = this.#names;
    for await (const page of pages) {
      // The names of agents first met on this page, before the page is counted: the per-event loop is
      // then a plain function V8 keeps optimized across pages and replays (with an await in it, the
      // async function's optimized code was dropped on each replay's first new agent, and the loop ran
      // unoptimized until V8 compiled it again).
      for (let i = 0; i < page.length; i++) {
        const agentId = page[i]!.agentId;
        if (agentId && !names.has(agentId)) names.set(agentId, await this.agentName(agentId));
      }
      if (this.#countPage(page, counts, max)) return { counts, truncated: true };
    }
    return { counts, truncated: false };
  }

  /** Counts a page's events while fewer than `max` are counted; true when it held more. */
  #countPage(page: ScannedEvent[], counts: ReplayCounts, max: number): boolean {
    const names = this.#names;
    for (let i = 0; i < page.length; i++) {
      const e = page[i]!;
      if (counts.events_scanned === max) return true;
      counts.events_scanned++;
      const agentName = e.agentId ? (names.get(e.agentId) ?? null) : null;
      const answer = this.#answer(e, agentName, counts);
      if (answer === null) counts.skipped++;
      else this.#tally(e, agentName, answer, counts);
    }
    return false;
  }

  #answer(e: ScannedEvent, agentName: string | null, counts: ReplayCounts): CedarDecision | null {
    const memo = this.#memo;
    if (memo === null) {
      const answer = this.#decide(e, agentName);
      if (answer !== null) counts.engine_calls++;
      return answer;
    }
    // The answer is a function of the stored texts and the agent: events that repeat them are
    // decided once (looked up by payload, then the rest).
    let found = memo.get(e.payload);
    let answer: CedarDecision | null | undefined;
    if (found instanceof Map) answer = found.get(restOf(e));
    else if (
      found !== undefined &&
      found.type === e.type &&
      found.agentId === e.agentId &&
      found.name === e.name &&
      found.metadata === e.metadata
    )
      answer = found.answer;
    if (answer === undefined) {
      answer = this.#decide(e, agentName);
      if (answer !== null) counts.engine_calls++;
      if (this.#memoSize >= MEMO_MAX) {
        memo.clear();
        this.#memoSize = 0;
        found = undefined;
      }
      if (found === undefined)
        memo.set(e.payload, { type: e.type, agentId: e.agentId, name: e.name, metadata: e.metadata, answer });
      else if (found instanceof Map) found.set(restOf(e), answer);
      else
        memo.set(
          e.payload,
          new Map([
            [restOf(found), found.answer],
            [restOf(e), answer],
          ]),
        );
      this.#memoSize++;
    } else this.#hits++;
    if (++this.#lookups === MEMO_TRIAL && this.#hits * 4 < this.#lookups) {
      memo.clear();
      this.#memo = null;
    }
    return answer;
  }

  /** The candidate's answer for a stored event, or null for one that is not a request (skipped). */
  #decide(e: ScannedEvent, agentName: string | null): CedarDecision | null {
    const request = storedEventRequest(e, agentName ?? e.agentId);
    return request ? this.policySet.evaluate(request) : null;
  }

  #tally(e: ScannedEvent, agentName: string | null, answer: CedarDecision, counts: ReplayCounts): void {
    counts.evaluated++;
    const recorded = e.decision === "deny" || e.decision === "warn" ? "deny" : "allow";
    if (answer.decision === recorded) {
      counts.unchanged++;
      return;
    }
    counts.changed++;
    const direction = recorded === "allow" ? "allow_to_deny" : "deny_to_allow";
    counts[direction]++;
    if (direction === "allow_to_deny") {
      for (const id of answer.policyIds) counts.denied_by_policy[id] = (counts.denied_by_policy[id] ?? 0) + 1;
    }
    const examples = counts.examples[direction];
    if (examples.length < this.maxExamples) {
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
