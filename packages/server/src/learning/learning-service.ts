import { evidenceFingerprint, onlyTightens, rejectionHolds } from "@trusera/core";
import { ApiError, notFound } from "../errors.js";
import type { PolicyService } from "../policies/policy-service.js";
import type { PolicyVersion, Store, SuggestionRejection } from "../store/types.js";
import { type ServerLearningOptions, type ServerSuggestion, suggestFromEvents } from "./suggestions.js";

export interface SuggestionList {
  active_version: string | null;
  replayed: number;
  suggestions: ServerSuggestion[];
}

/** A suggestion approved because it only tightens, and the version it became. */
export interface AutoApproval {
  id: string;
  version: number;
}

const rejected = (id: string, r: SuggestionRejection) =>
  new ApiError(
    409,
    "suggestion_rejected",
    `suggestion ${id} was rejected by ${r.rejectedBy} at ${r.rejectedAt} for this evidence (${r.evidenceCount} events); it is not offered again until its evidence has doubled`,
  );

/**
 * Suggestions as offered to people: learned from events (suggestions.ts), without those rejected for
 * the same evidence (core's rule, as on the CLI), approved or rejected on request. Approvals and
 * automatic approvals (auto-tightener.ts, or an admin's request) of one project run one at a time in
 * this process, so that two clicks do not write the same rule twice. Listing never writes.
 */
export class LearningService {
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly policies: PolicyService,
  ) {}

  /** The offered suggestions. Only reads: it does not wait for approvals in progress. */
  list(projectId: string, o: ServerLearningOptions): Promise<SuggestionList> {
    return this.#offered(projectId, o);
  }

  /**
   * Approves the offered suggestions that only tighten (a forbid with no deny -> allow), each as its
   * own active version authored by `byKeyId`, its description marked automatic and naming `trigger`
   * (what asked for it: the option of the timer, or the endpoint).
   */
  approveTightening(
    projectId: string,
    byKeyId: string,
    o: ServerLearningOptions,
    trigger: string,
  ): Promise<AutoApproval[]> {
    return this.#serial(projectId, async () => {
      const auto = (await this.#offered(projectId, o)).suggestions.filter(onlyTightens);
      const approved: AutoApproval[] = [];
      // Forbids only add denials, so they stack: each is its own version, one on top of the other.
      for (const s of auto) {
        const description = `auto-approved suggestion ${s.id} (only tightens; ${trigger}): ${s.reason}`;
        const v = await this.#apply(projectId, byKeyId, s, description);
        approved.push({ id: s.id, version: v.number });
      }
      return approved;
    });
  }

  /** A new active version: the active set plus the suggested rule, authored by the approving key. */
  approve(projectId: string, byKeyId: string, id: string, o: ServerLearningOptions) {
    return this.#serial(projectId, async () => {
      const s = await this.#find(projectId, id, o);
      const version = await this.#apply(projectId, byKeyId, s, `approved suggestion ${s.id}: ${s.reason}`);
      return { suggestion: s, version };
    });
  }

  /** Records the rejection; the suggestion is not offered again for this evidence. */
  reject(projectId: string, byKeyId: string, id: string, o: ServerLearningOptions) {
    return this.#serial(projectId, async () => {
      const s = await this.#find(projectId, id, o);
      const rejection = await this.store.suggestions.recordRejection(projectId, {
        suggestionId: s.id,
        evidenceFingerprint: evidenceFingerprint(s.id, s.evidence),
        evidenceCount: s.evidence.count,
        rejectedBy: byKeyId,
      });
      return { suggestion: s, rejection };
    });
  }

  async #offered(projectId: string, o: ServerLearningOptions) {
    const { all, events, activeVersion, held } = await this.#all(projectId, o);
    return {
      active_version: activeVersion,
      replayed: events,
      suggestions: all.filter((s) => !held.has(s.id)),
    };
  }

  async #all(projectId: string, o: ServerLearningOptions) {
    const active = await this.policies.bundle(projectId);
    const [{ events, suggestions }, rejections] = await Promise.all([
      suggestFromEvents(this.store, projectId, active, o),
      this.store.suggestions.latestRejections(projectId),
    ]);
    const latest = new Map(rejections.map((r) => [r.suggestionId, r]));
    // The rejections that still hold for the evidence of today.
    const held = new Map<string, SuggestionRejection>();
    for (const s of suggestions) {
      const r = latest.get(s.id);
      if (r && rejectionHolds(s.evidence.count, r.evidenceCount)) held.set(s.id, r);
    }
    return { all: suggestions, events, activeVersion: active.version, held };
  }

  async #find(projectId: string, id: string, o: ServerLearningOptions): Promise<ServerSuggestion> {
    const { all, held } = await this.#all(projectId, o);
    const s = all.find((x) => x.id === id);
    if (!s)
      throw notFound(
        `suggestion ${id} (GET /api/v1/policies/suggestions lists the current ones, with the same since, until and thresholds)`,
      );
    const r = held.get(id);
    if (r) throw rejected(id, r);
    return s;
  }

  async #apply(
    projectId: string,
    byKeyId: string,
    s: ServerSuggestion,
    description: string,
  ): Promise<PolicyVersion> {
    const active = await this.store.getActivePolicy(projectId);
    const policies = active?.version.policies;
    const { version } = await this.policies.create(projectId, byKeyId, {
      policies: policies ? `${policies}\n\n${s.policy}` : s.policy,
      schema: active?.version.schema ?? null,
      defaultDecision: active?.version.defaultDecision ?? "allow",
      description: description.slice(0, 2000),
      activate: true,
    });
    return version;
  }

  #serial<T>(projectId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#queues.get(projectId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.#queues.set(projectId, tail);
    void tail.then(() => {
      if (this.#queues.get(projectId) === tail) this.#queues.delete(projectId);
    });
    return next;
  }
}
