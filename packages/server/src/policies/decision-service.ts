import type { CedarDecision, CedarRequest, CompiledPolicySet } from "@trusera/core";
import type { DefaultDecision, Store } from "../store/types.js";
import { compileOrThrow } from "./policy-compiler.js";

const MAX_PROJECTS_CACHED = 1000;

/**
 * Remote decisions (`POST /api/v1/cedar/evaluate`): decides a request against the project's active
 * version, compiled once per version and kept per project. The active version is read from the store
 * on every call, so a process never decides with a version another process has replaced.
 */
export class DecisionService {
  readonly #compiled = new Map<string, { key: string; set: CompiledPolicySet }>();

  constructor(private readonly store: Store) {}

  async decideActive(
    projectId: string,
    request: CedarRequest,
  ): Promise<CedarDecision & { version: string | null }> {
    const active = await this.store.getActivePolicy(projectId);
    if (!active) return { decision: "allow", policyIds: [], errors: [], version: null };
    const v = active.version;
    // From here to the evaluation there is no await: no other request can recompile this project's slot.
    let entry = this.#compiled.get(projectId);
    if (!entry || entry.key !== v.id) {
      const { policySet } = compileOrThrow(v.policies, {
        schema: v.schema,
        defaultDecision: v.defaultDecision,
        slot: `trusera.active.${projectId}`,
        validate: false,
      });
      if (this.#compiled.size >= MAX_PROJECTS_CACHED) this.#compiled.clear();
      entry = { key: v.id, set: policySet };
      this.#compiled.set(projectId, entry);
    }
    return { ...entry.set.evaluate(request), version: v.id };
  }

  /** Decides against policy text sent with the request (not stored, not validated against a schema). */
  decideInline(text: string, defaultDecision: DefaultDecision, request: CedarRequest): CedarDecision {
    const { policySet } = compileOrThrow(text, {
      schema: null,
      defaultDecision,
      slot: "trusera.inline",
      validate: false,
    });
    return policySet.evaluate(request);
  }
}
