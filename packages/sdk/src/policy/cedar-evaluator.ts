import {
  type CedarDecision,
  type CedarDiagnostic,
  type CedarRequest,
  type CedarTextLimits,
  type CompiledPolicySet,
  ConfigurationError,
  compilePolicySet,
  REQUEST_MODEL_SCHEMA,
} from "@trusera/core";
import { PolicyLoadError } from "../errors.js";

export type DefaultDecision = "allow" | "deny";

/** Options of `new CedarEvaluator(...)`. */
export interface CedarEvaluatorOptions {
  /**
   * What a request no policy decides gets. `"allow"` (the default) is a deny-list: an implicit
   * permit-all that every matching `forbid` overrides. `"deny"` is Cedar's own rule, an allow-list.
   */
  defaultDecision?: DefaultDecision;
  /**
   * The Cedar schema policies are validated against. Defaults to Trusera's request model
   * (docs/policy-model.md); `null` turns validation off.
   */
  schema?: string | null;
  /**
   * Bounds on the policy text, checked before the engine parses it (default 512 KiB and an
   * expression depth of 50: see CEDAR_TEXT_LIMITS). A set of many thousands of policies needs more.
   */
  limits?: CedarTextLimits;
}

/** What `loadPolicy` reports when the set was accepted. */
export interface PolicyLoadResult {
  /** The ids of the loaded policies (`@id("...")`, or `policy<N>`), in text order. */
  policyIds: string[];
  /** Problems that do not stop the set from loading, placed like errors. */
  warnings: CedarDiagnostic[];
}

let evaluatorCount = 0;

/**
 * Decides requests with Cedar's semantics. A policy set is parsed and validated once by the official
 * engine (`@cedar-policy/cedar-wasm`), in `loadPolicy`, and compiled to JS closures that answer as the
 * engine would (anything they cannot answer the same way goes to the engine); `evaluate` takes
 * microseconds (docs/policy-model.md, "How a decision is made").
 *
 * @example
 * const evaluator = new CedarEvaluator();
 * await evaluator.loadPolicy(`forbid (principal, action == Action::"api_call", resource)
 *   when { resource.hostname == "evil.example" };`);
 * evaluator.evaluate(httpRequest("my-agent", { url: "https://evil.example/x" })).decision; // "deny"
 */
export class CedarEvaluator {
  readonly #defaultDecision: DefaultDecision;
  readonly #schema: string | undefined;
  readonly #limits: CedarTextLimits | undefined;
  // Two engine slots used in turn: a new set is parsed into the idle one, so the active set stays
  // whole until the new one is ready. The engine cannot free a set; two slots bound the memory.
  readonly #slots: [string, string];
  #set: CompiledPolicySet | null = null;
  #delegate: ((request: CedarRequest) => CedarDecision) | null = null;
  #generation = 0;
  // Loads run one after another, so that two in flight never parse into the same slot.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CedarEvaluatorOptions = {}) {
    const dd = options.defaultDecision ?? "allow";
    if (dd !== "allow" && dd !== "deny") {
      throw new ConfigurationError(`CedarEvaluator defaultDecision must be "allow" or "deny", got ${dd}`);
    }
    this.#defaultDecision = dd;
    this.#schema = options.schema === null ? undefined : (options.schema ?? REQUEST_MODEL_SCHEMA);
    this.#limits = options.limits;
    const id = `trusera-eval-${globalThis.crypto.randomUUID().slice(0, 8)}-${++evaluatorCount}`;
    this.#slots = [`${id}-a`, `${id}-b`];
  }

  /**
   * An evaluator whose decisions come from `decide` instead of a policy text: for a host that already
   * decides with Cedar elsewhere (transient-trace's session daemon) and wants the interceptor's
   * hooks in front of it. `decide` must be synchronous and must not throw; it is always `loaded`.
   */
  static delegating(decide: (request: CedarRequest) => CedarDecision): CedarEvaluator {
    if (typeof decide !== "function")
      throw new ConfigurationError("CedarEvaluator.delegating needs a function");
    const evaluator = new CedarEvaluator({ schema: null });
    evaluator.#delegate = decide;
    return evaluator;
  }

  /**
   * Parses and validates a policy set and makes it the active one. On failure the previous set stays
   * active.
   * @throws PolicyLoadError with the policy id, line and column of every problem.
   */
  async loadPolicy(
    text: string,
    options: { defaultDecision?: DefaultDecision } = {},
  ): Promise<PolicyLoadResult> {
    if (typeof text !== "string")
      throw new ConfigurationError("loadPolicy needs the policy text as a string");
    if (this.#delegate) throw new ConfigurationError("a delegating CedarEvaluator takes no policy text");
    const defaultDecision = options.defaultDecision ?? this.#defaultDecision;
    if (defaultDecision !== "allow" && defaultDecision !== "deny") {
      throw new ConfigurationError(`defaultDecision must be "allow" or "deny", got ${defaultDecision}`);
    }
    const run = this.#queue.then(async () => {
      const slot = this.#set?.slot === this.#slots[0] ? this.#slots[1] : this.#slots[0];
      const result = await compilePolicySet(text, {
        schema: this.#schema,
        defaultDecision,
        slot,
        limits: this.#limits,
      });
      if (!result.ok) throw new PolicyLoadError(result.errors);
      // Large sets compile to closures in slices (the event loop stays free); the set becomes active
      // once it decides at full speed. Should compiling fail, it decides through the engine instead.
      await result.policySet.whenCompiled();
      this.#set = result.policySet;
      this.#generation++;
      return { policyIds: [...result.policySet.policyIds], warnings: result.warnings };
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Unloads the active set: `loaded` becomes false. */
  clear(): void {
    if (this.#set === null) return;
    this.#set = null;
    this.#generation++;
  }

  /**
   * Decides one request. Never throws. With no set loaded it answers the default decision without
   * asking the engine, and says so in `errors`.
   */
  evaluate(request: CedarRequest): CedarDecision {
    if (this.#delegate) return this.#delegate(request);
    const set = this.#set;
    if (set === null) {
      return { decision: this.#defaultDecision, policyIds: [], errors: ["no policy loaded"] };
    }
    return set.evaluate(request);
  }

  /** True once a policy set has been loaded (and not cleared). */
  get loaded(): boolean {
    return this.#delegate !== null || this.#set !== null;
  }

  /** Ids of the active set's policies. */
  get policyIds(): readonly string[] {
    return this.#set?.policyIds ?? [];
  }

  /** The default decision of the active set (or of this evaluator when none is loaded). */
  get defaultDecision(): DefaultDecision {
    return this.#set?.defaultDecision ?? this.#defaultDecision;
  }

  /** Changes each time the active set changes; decisions cached under one generation stay exact. */
  get generation(): number {
    return this.#generation;
  }
}
