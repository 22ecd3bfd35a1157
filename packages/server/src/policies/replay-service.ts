import { formatMicros } from "@trusera/core";
import { notFound } from "../errors.js";
import type { DefaultDecision, SplitScan, Store } from "../store/types.js";
import { compileOrThrow, type PolicyWarning } from "./policy-compiler.js";
import { claim, countPart, type SqliteReader, stopJob, type ThreadedJob } from "./replay-part.js";
import { addCounts, noCounts, type ReplayCounts, ReplayTally } from "./replay-tally.js";
import { type ReplayThreadOptions, ReplayThreads } from "./replay-threads.js";

export type { ReplayExample } from "./replay-tally.js";

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

export interface ReplayReport extends ReplayCounts {
  window: { since: string; until: string };
  candidate: { version: string | null; default_decision: DefaultDecision; policies: number };
  warnings: PolicyWarning[];
  /** True when the window held more than `max_events` events and the rest were not read. */
  truncated: boolean;
  duration_ms: number;
}

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
  readonly #threads: ReplayThreads;

  constructor(
    private readonly store: Store,
    threads: ReplayThreadOptions = {},
  ) {
    this.#threads = new ReplayThreads(threads);
  }

  run(projectId: string, input: ReplayInput): Promise<ReplayReport> {
    const next = this.#queue.then(() => this.replay(projectId, input));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Parts of windows the second thread counted, over every replay (see replay-threads.ts). */
  get partsOnThread(): number {
    return this.#threads.partsCounted;
  }

  /** Stops the second thread, if one was started (after the replay under way). */
  async close(): Promise<void> {
    await this.#queue;
    await this.#threads.close();
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
    const query = {
      since: input.since,
      until: input.until,
      ...(input.agentId !== undefined ? { agentId: input.agentId } : {}),
    };
    // A large window on a SQLite file is shared with a second thread, part by part; the thread (started
    // on the first such replay) loads while the candidate compiles here.
    // Cut into parts only where they may be shared (cutting reads the window's index: ~10-20 ms for
    // 100,000 events); else one part, which only counts the window.
    const mayShare = this.#threads.available && this.#threads.paysOff;
    const split = this.store.splitScan
      ? await this.store.splitScan(projectId, { ...query, limit: input.maxEvents }, mayShare ? PARTS : 1)
      : null;
    const sharing = split !== null && mayShare && split.total >= this.#threads.from && split.parts.length > 1;
    if (sharing) this.#threads.warm();
    const { policySet, warnings, key } = compileCandidate(text, schema, defaultDecision);
    // Decided from compiled closures, not by the engine (~100x the cost per decision). A set of over 50
    // policies (the default-allow one counts) compiles in slices between turns of the event loop, which
    // the paging below never yields to: without this wait 100,000 events went to the engine (60 s).
    await policySet.whenCompiled();
    // The thread compiles the candidate from the engine's JSON of it; a candidate the engine partly
    // decides stays here.
    const policies = sharing && policySet.uncompiledPolicyIds?.length === 0 ? policySet.policyJson : null;
    const tally = new ReplayTally(
      policySet,
      async (id) => (await this.store.findAgent(projectId, id))?.name ?? null,
      input.maxExamples,
    );
    let counts: ReplayCounts;
    let truncated: boolean;
    if (policies) {
      counts = await this.shared(projectId, split!, query, { key, policies }, tally, input.maxExamples);
      truncated = split!.more;
    } else if (split !== null) {
      // A SQLite file read here alone: its parts in order on this thread's read-only connection, which
      // reads an id only where one is needed (event-scan.ts).
      const job = this.#job(projectId, split, query, { key, policies: [] }, input.maxExamples);
      const reader = this.#threads.reader(split.path);
      counts = noCounts();
      for (let i = 0; i < job.parts.length; i++)
        addCounts(counts, await countPart(tally, reader, job, i), input.maxExamples);
      truncated = split.more;
    } else {
      // One more than the most replayed: its presence is what says the window was truncated.
      const scan = this.store.scanEvents(projectId, { ...query, limit: input.maxEvents + 1 });
      ({ counts, truncated } = await tally.count(scan, input.maxEvents));
    }
    return {
      window: { since: formatMicros(input.since), until: formatMicros(input.until) },
      candidate: { version, default_decision: defaultDecision, policies: policySet.policyIds.length },
      warnings,
      ...counts,
      truncated,
      duration_ms: Math.round(performance.now() - started),
    };
  }

  /**
   * A window's replay shared with the second thread: each thread takes the next part nobody has taken
   * until none is left, and the counts of the parts add up in their order.
   */
  private async shared(
    projectId: string,
    split: SplitScan,
    query: ThreadedJob["query"],
    candidate: ThreadedJob["candidate"],
    tally: ReplayTally,
    maxExamples: number,
  ): Promise<ReplayCounts> {
    const job = this.#job(projectId, split, query, candidate, maxExamples);
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    const theirs = this.#threads.post(job).catch(() => new Map<number, ReplayCounts>());
    const mine = new Map<number, ReplayCounts>();
    let reader: SqliteReader;
    try {
      reader = this.#threads.reader(split.path);
      for (let i = claim(job); i >= 0; i = claim(job)) mine.set(i, await countPart(tally, reader, job, i));
    } catch (err) {
      stopJob(job); // the thread takes no more parts of a replay that failed
      throw err;
    }
    const done = await theirs;
    const cpu = process.cpuUsage(cpu0);
    this.#threads.record((cpu.user + cpu.system) / 1000, performance.now() - wall0);
    const counts = noCounts();
    for (let i = 0; i < job.parts.length; i++) {
      // A part the thread took but did not count (it failed, or the engine must decide one of its
      // events) is counted here.
      const part = mine.get(i) ?? done.get(i) ?? (await countPart(tally, reader, job, i));
      addCounts(counts, part, maxExamples);
    }
    return counts;
  }

  #job(
    projectId: string,
    split: SplitScan,
    query: ThreadedJob["query"],
    candidate: ThreadedJob["candidate"],
    maxExamples: number,
  ): ThreadedJob {
    return {
      path: split.path,
      projectId,
      projectKey: split.projectKey,
      query,
      parts: split.parts,
      next: new SharedArrayBuffer(4),
      candidate,
      maxExamples,
    };
  }
}

/**
 * The candidate last compiled into the replay's engine slot (only this module compiles into it, and one
 * replay runs at a time in a process), and `key`, which names it to the replay thread. A candidate
 * replayed again (another window, another agent, the same text asked again) is not validated and
 * compiled again, and its compiled closures stay as V8 optimized them: a new set's closures start
 * cold (fresh type feedback), and a fresh server's second replay cost ~100 ms more CPU than its third
 * for that (and another ~40 ms of validating and compiling the same text).
 */
let lastCandidate: {
  text: string;
  schema: string | null;
  defaultDecision: DefaultDecision;
  compiled: ReturnType<typeof compileOrThrow>;
  key: number;
} | null = null;
let candidates = 0;

function compileCandidate(
  text: string,
  schema: string | null,
  defaultDecision: DefaultDecision,
): ReturnType<typeof compileOrThrow> & { key: number } {
  const last = lastCandidate;
  if (
    last !== null &&
    last.text === text &&
    last.schema === schema &&
    last.defaultDecision === defaultDecision
  )
    return { ...last.compiled, key: last.key };
  // A compile that fails may leave the slot holding something else than the set kept.
  lastCandidate = null;
  const compiled = compileOrThrow(text, { schema, defaultDecision, slot: "trusera.replay" });
  lastCandidate = { text, schema, defaultDecision, compiled, key: ++candidates };
  return { ...compiled, key: lastCandidate.key };
}

/** Parts a shared window is cut into: threads take them in turn, so a busy thread takes fewer. */
const PARTS = 16;
