import { createRequire } from "node:module";
import type * as CedarWasm from "@cedar-policy/cedar-wasm/nodejs";
import type { CompiledEvaluator } from "./compiled/evaluator.js";
import { compileFromEngine, compileFromEngineInSlices } from "./compiled/from-engine.js";
import { byteOffsetToIndex, positionAt } from "./source-position.js";
import { CEDAR_TEXT_LIMITS, type CedarTextLimits, checkCedarText } from "./text-bounds.js";
import type { CedarDecision, CedarDiagnostic, CedarRequest } from "./types.js";

type Cedar = typeof CedarWasm;
type DetailedError = CedarWasm.DetailedError;

// One engine per process, shared by every copy of this code (the ESM and CommonJS builds of a package,
// two packages that bundle core): a copy that replaces a trapped engine replaces it for all of them.
type EngineState = { engine: Cedar | undefined; loading: Promise<Cedar> | undefined };
const STATE_KEY = Symbol.for("trusera.cedar-engine");
const shared = globalThis as { [STATE_KEY]?: EngineState };
shared[STATE_KEY] ??= { engine: undefined, loading: undefined };
const STATE: EngineState = shared[STATE_KEY];

/**
 * Loads the official Cedar engine (`@cedar-policy/cedar-wasm`, its Node build) once per process.
 * About 35 ms, so it happens on first use rather than when a package is imported.
 */
export function loadCedar(): Promise<Cedar> {
  if (STATE.engine) return Promise.resolve(STATE.engine);
  STATE.loading ??= import("@cedar-policy/cedar-wasm/nodejs").then((mod) => {
    const m = mod as Cedar & { default?: Cedar };
    STATE.engine ??= typeof m.statefulIsAuthorized === "function" ? m : m.default!;
    return STATE.engine;
  });
  return STATE.loading;
}

/**
 * Replaces the engine with a fresh instance after a call into it threw. Why: a Wasm trap (e.g. the
 * engine's stack overflowing on deeply nested text: "memory access out of bounds") leaves the
 * instance's stack pointer where it was, so every later call fails the same way, for every caller.
 * Re-requiring the module instantiates the Wasm again (~20 ms); the compiled sets re-parse into it on
 * their next use. Returns false when no fresh instance could be made (the old one stays).
 */
export function replaceCedar(broken: Cedar): boolean {
  if (STATE.engine !== broken) return true; // another caller already replaced it
  try {
    const here = import.meta.url; // undefined in a CommonJS build without tsup's shims
    const req = typeof here === "string" ? createRequire(here) : require;
    const path = req.resolve("@cedar-policy/cedar-wasm/nodejs");
    delete req.cache[path];
    const m = req(path) as Cedar & { default?: Cedar };
    STATE.engine = typeof m.statefulIsAuthorized === "function" ? m : m.default!;
    STATE.loading = Promise.resolve(STATE.engine);
    return true;
  } catch {
    return false;
  }
}

/** The engine to call now: `engine` unless it has been replaced since it was handed out. */
function live(engine: Cedar): Cedar {
  return STATE.engine ?? engine;
}

/**
 * A function that TurboFan never inlines into its caller: calls through a Proxy are always generic.
 *
 * Why: V8 11 (Node 20) aborts the whole process ("Fatal error ... unreachable code" in
 * Deoptimizer::DoComputeBuiltinContinuation) when optimized code that inlined a JS-to-Wasm call
 * returning a reference (externref) is deoptimized while that call runs. cedar-wasm's answers are
 * built as JS objects during the call, which can invalidate a caller that was optimized against the
 * shapes of earlier answers; seen under load in the interceptor benchmark (reproducer:
 * packages/core/test/fixtures/wasm-deopt.mts). Through the proxy, the inlined Wasm call stays inside
 * cedar-wasm's two-line binding, whose optimized code depends on nothing that changes during the call,
 * and the caller only ever makes an ordinary call. Costs well under a microsecond a decision; turning
 * the inlining off process-wide (--no-turbo-inline-js-wasm-calls) also works but makes every decision
 * about 1.5 times slower.
 */
export function opaqueCall<F extends (...args: never[]) => unknown>(fn: F): F {
  return new Proxy(fn, {});
}

const authorizers = new WeakMap<object, Cedar["statefulIsAuthorized"]>();

const toJsons = new WeakMap<object, Cedar["policyToJson"]>();

function policyToJsonOf(engine: Cedar): Cedar["policyToJson"] {
  let fn = toJsons.get(engine);
  if (!fn) {
    fn = opaqueCall(engine.policyToJson);
    toJsons.set(engine, fn);
  }
  return fn;
}

function authorizerOf(engine: Cedar): Cedar["statefulIsAuthorized"] {
  let fn = authorizers.get(engine);
  if (!fn) {
    fn = opaqueCall(engine.statefulIsAuthorized);
    authorizers.set(engine, fn);
  }
  return fn;
}

/** The engine, if `loadCedar()` has finished; otherwise undefined. */
export function cedarIfLoaded(): Cedar | undefined {
  return STATE.engine;
}

/** The `@id` of the permit-all that `defaultDecision: "allow"` adds. It is never in a user's text. */
export const DEFAULT_ALLOW_POLICY_ID = "trusera.default-allow";

export interface CompileOptions {
  /** Cedar schema text. Every policy is validated against it (strict mode), so `resource.hostnme` is an error. */
  schema?: string;
  /**
   * `"deny"` (Cedar's own rule, an allow-list): anything no permit matches is denied.
   * `"allow"` (a deny-list): an implicit permit-all is added, which every matching forbid overrides.
   */
  defaultDecision: "allow" | "deny";
  /**
   * Key under which the engine caches the parsed set. Compiling again with the same slot replaces the
   * old set; the engine has no way to free one, so callers that compile repeatedly pass a fixed slot.
   */
  slot?: string;
  /**
   * Bounds checked on the text (and the schema) before the engine parses it; defaults to
   * `CEDAR_TEXT_LIMITS`. Text beyond them is an error, never given to the engine.
   */
  limits?: CedarTextLimits;
  /**
   * `"compiled"` (the default): decisions come from the set compiled to JS closures
   * (./compiled/), which answers as the engine would and hands it every request it cannot answer
   * the same way. `"engine"`: every decision asks cedar-wasm.
   */
  evaluator?: "compiled" | "engine";
}

/**
 * Sets up to this many policies are compiled to closures at once; larger ones in slices. The engine
 * gives a policy's JSON in 0.1-1 ms (more while its Wasm code is still warming up).
 */
const COMPILE_AT_ONCE = 50;

export type CompileResult =
  | { ok: true; policySet: CompiledPolicySet; warnings: CedarDiagnostic[] }
  | { ok: false; errors: CedarDiagnostic[]; warnings: CedarDiagnostic[] };

/** A policy set parsed once by the engine and kept in its cache; `evaluate` never parses again. */
export class CompiledPolicySet {
  #engine: Cedar;
  #authorize: Cedar["statefulIsAuthorized"];
  #compiled: CompiledEvaluator | null = null;
  #compiling: Promise<boolean> = Promise.resolve(false);
  #json: unknown[] | null = null;
  // Compiling waits for a second decision (or `whenCompiled`): a process that decides once (a hook)
  // never pays for it, and one decision through the engine costs less than compiling.
  #compileOnUse = false;
  #decided = 0;

  constructor(
    engine: Cedar,
    /** The engine's cache key for this set. */
    readonly slot: string,
    /** Ids of the user's policies, in text order. */
    readonly policyIds: readonly string[],
    readonly text: string,
    readonly defaultDecision: "allow" | "deny",
    /** What was given to the engine, kept to parse again into a replacement engine. */
    private readonly parsed: Record<string, string>,
  ) {
    this.#engine = engine;
    this.#authorize = authorizerOf(engine);
  }

  /** Compiles the set to closures from its second decision on (see `startCompiling`). */
  compileOnUse(): void {
    this.#compileOnUse = this.#compiled === null;
  }

  /**
   * Compiles the set to closures (at once for small sets, else in slices off the caller's path);
   * until that is done, decisions ask the engine.
   */
  startCompiling(): void {
    this.#compileOnUse = false;
    const count = Object.keys(this.parsed).length;
    const json: unknown[] = [];
    this.#json = json;
    // The engine's JSON of each policy is kept as it is handed to the compiler (see `policyJson`).
    const toJson = (): Cedar["policyToJson"] => {
      const fn = policyToJsonOf(live(this.#engine));
      return (text) => {
        const answer = fn(text);
        if (answer.type === "success") json.push(answer.json);
        return answer;
      };
    };
    if (count <= COMPILE_AT_ONCE) {
      try {
        this.#compiled = compileFromEngine(toJson(), this.parsed);
      } catch {
        this.#compiled = null; // the engine answers every decision, as before
      }
      this.#compiling = Promise.resolve(this.#compiled !== null);
      return;
    }
    this.#compiling = compileFromEngineInSlices(toJson, this.parsed).then((c) => {
      this.#compiled = c;
      return c !== null;
    });
  }

  /** Resolves once decisions come from the compiled closures (true), or when they never will (false). */
  whenCompiled(): Promise<boolean> {
    if (this.#compileOnUse) this.startCompiling();
    return this.#compiling;
  }

  /**
   * The engine's JSON of every policy given to it (the default-allow one included), in set order, once
   * the set is compiled (else null): what `compilePolicies` compiles into the same evaluator elsewhere,
   * e.g. on another thread, without an engine there.
   */
  get policyJson(): readonly (readonly [id: string, json: unknown])[] | null {
    if (this.#compiled === null || this.#json === null) return null;
    const json = this.#json;
    return Object.keys(this.parsed).map((id, i) => [id, json[i]] as const);
  }

  /** Ids of the policies the compiled evaluator hands to the engine (null: not compiled, or not yet). */
  get uncompiledPolicyIds(): readonly string[] | null {
    return this.#compiled?.uncompiled ?? null;
  }

  /** Parses this set into the current engine when the one it was parsed into has been replaced. */
  #follow(): string | null {
    const engine = STATE.engine;
    if (engine === undefined || engine === this.#engine) return null;
    let answer: ReturnType<Cedar["preparsePolicySet"]>;
    try {
      answer = engine.preparsePolicySet(this.slot, { staticPolicies: this.parsed });
    } catch (err) {
      replaceCedar(engine);
      return `cedar: ${(err as Error).message}`;
    }
    if (answer.type === "failure") return answer.errors.map((e) => e.message).join("; ");
    this.#engine = engine;
    this.#authorize = authorizerOf(engine);
    return null;
  }

  /** Decides one request in microseconds. Never throws: an engine failure is a deny with the reason in `errors`. */
  evaluate(request: CedarRequest): CedarDecision {
    const compiled = this.#compiled;
    if (compiled !== null) {
      let answer: CedarDecision | null = null;
      try {
        answer = compiled.decide(request);
      } catch {
        // A fault of the compiled evaluator itself (never expected: evaluateCompiled lets tests see
        // it) must not reach the application: the engine answers.
      }
      if (answer !== null) return answer;
    } else if (this.#compileOnUse && this.#decided++ > 0) {
      this.startCompiling();
      return this.evaluate(request);
    }
    return this.evaluateWithEngine(request);
  }

  /**
   * The compiled evaluator's own answer, or null when it has none (not compiled yet, or the engine
   * must answer this request). For tests and the bench: `evaluate` is what callers use.
   */
  evaluateCompiled(request: CedarRequest): CedarDecision | null {
    if (this.#compileOnUse) this.startCompiling();
    return this.#compiled === null ? null : this.#compiled.decide(request);
  }

  /** `evaluate`, always asking cedar-wasm: what the compiled evaluator is checked against. */
  evaluateWithEngine(request: CedarRequest): CedarDecision {
    if (STATE.engine !== this.#engine) {
      const failed = this.#follow();
      if (failed !== null) return { decision: "deny", policyIds: [], errors: [failed] };
    }
    let answer: CedarWasm.AuthorizationAnswer;
    try {
      answer = this.#authorize({
        principal: request.principal,
        action: request.action,
        resource: request.resource,
        context: request.context as CedarWasm.Context,
        entities: (request.entities ?? []) as CedarWasm.Entities,
        preparsedPolicySetId: this.slot,
      });
    } catch (err) {
      replaceCedar(this.#engine);
      return { decision: "deny", policyIds: [], errors: [`cedar: ${(err as Error).message}`] };
    }
    if (answer.type === "failure") {
      return { decision: "deny", policyIds: [], errors: answer.errors.map((e) => e.message) };
    }
    const { decision, diagnostics } = answer.response;
    return {
      decision,
      policyIds: diagnostics.reason,
      errors: diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
    };
  }
}

/** Errors and warnings reported at most, each. */
const MAX_DIAGNOSTICS = 100;

let slotCounter = 0;
// The engine's cache of parsed sets is one per process, shared by every copy of this code (the ESM and
// CommonJS builds of a package, two packages that bundle core): a per-copy prefix keeps their slots apart.
const SLOT_PREFIX = `trusera-ps-${globalThis.crypto.randomUUID().slice(0, 8)}-`;

const ID_ANNOTATION = /^\s*(?:@\w+\s*\([^)]*\)\s*)*?@id\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/;

interface Part {
  id: string;
  text: string;
  /** Offset of the part in the whole text, or -1 when the engine's text could not be found there. */
  offset: number;
}

/**
 * Parses a policy set with the official engine, validates it against `schema` when given, and caches
 * the parsed form. Errors carry the policy id and the line and column in `text`.
 */
export async function compilePolicySet(text: string, options: CompileOptions): Promise<CompileResult> {
  const engine = await loadCedar();
  return compilePolicySetSync(engine, text, options);
}

/** `compilePolicySet` for callers that already hold the engine (see `loadCedar`). */
export function compilePolicySetSync(given: Cedar, text: string, options: CompileOptions): CompileResult {
  const limits = options.limits ?? CEDAR_TEXT_LIMITS;
  const bound = checkCedarText(text, limits);
  if (bound) return { ok: false, errors: [bound], warnings: [] };
  const schemaBound = options.schema === undefined ? null : checkCedarText(options.schema, limits);
  if (schemaBound) {
    return {
      ok: false,
      errors: [{ ...schemaBound, message: `schema: ${schemaBound.message}` }],
      warnings: [],
    };
  }
  const engine = live(given);
  try {
    return compileWith(engine, text, options);
  } catch (err) {
    // A trap: the engine is replaced so that this text cannot fail anyone else's calls.
    replaceCedar(engine);
    return {
      ok: false,
      errors: [
        {
          severity: "error",
          message: `the Cedar engine failed on this text (${(err as Error).message}); it has been restarted`,
          line: 1,
          column: 1,
        },
      ],
      warnings: [],
    };
  }
}

function compileWith(engine: Cedar, text: string, options: CompileOptions): CompileResult {
  const warnings: CedarDiagnostic[] = [];
  const split = engine.policySetTextToParts(text);
  if (split.type === "failure") {
    return {
      ok: false,
      errors: split.errors.slice(0, MAX_DIAGNOSTICS).map((e) => diagnostic(text, e, 0, undefined)),
      warnings,
    };
  }
  if (split.policy_templates.length > 0) {
    return {
      ok: false,
      errors: [
        {
          severity: "error",
          message: "policy templates are not supported; link them first",
          line: 1,
          column: 1,
        },
      ],
      warnings,
    };
  }
  const parts: Part[] = [];
  const seen = new Set<string>();
  const errors: CedarDiagnostic[] = [];
  let cursor = 0;
  split.policies.forEach((policyText, index) => {
    const offset = text.indexOf(policyText, cursor);
    if (offset >= 0) cursor = offset + policyText.length;
    const annotated = ID_ANNOTATION.exec(policyText)?.[1];
    const id = annotated === undefined ? `policy${index}` : JSON.parse(`"${annotated}"`);
    if (seen.has(id) || id === DEFAULT_ALLOW_POLICY_ID) {
      const pos = positionAt(text, Math.max(0, offset));
      errors.push({ severity: "error", policyId: id, message: `duplicate policy id "${id}"`, ...pos });
    }
    seen.add(id);
    parts.push({ id, text: policyText, offset });
  });
  if (errors.length > 0) return { ok: false, errors, warnings };

  const staticPolicies: Record<string, string> = {};
  for (const part of parts) staticPolicies[part.id] = part.text;
  const byId = new Map(parts.map((p) => [p.id, p]));

  if (options.schema !== undefined) {
    const answer = engine.validate({
      schema: options.schema,
      policies: { staticPolicies },
      validationSettings: { mode: "strict" },
    });
    if (answer.type === "failure") {
      return {
        ok: false,
        errors: answer.errors.map((e) => ({
          ...diagnostic(text, e, 0, undefined),
          message: `schema: ${e.message}`,
        })),
        warnings,
      };
    }
    // Placing a diagnostic scans the text up to it: a few hundred keep a 512 KiB set's answer fast
    // (every one of 4,000 policies wrong took minutes to place).
    for (const v of answer.validationErrors.slice(0, MAX_DIAGNOSTICS))
      errors.push(diagnostic(text, v.error, 0, byId.get(v.policyId), v.policyId));
    for (const v of answer.validationWarnings.slice(0, MAX_DIAGNOSTICS)) {
      warnings.push({
        ...diagnostic(text, v.error, 0, byId.get(v.policyId), v.policyId),
        severity: "warning",
      });
    }
    if (errors.length > 0) return { ok: false, errors, warnings };
  }

  if (options.defaultDecision === "allow") {
    staticPolicies[DEFAULT_ALLOW_POLICY_ID] = "permit (principal, action, resource);";
  }
  const slot = options.slot ?? `${SLOT_PREFIX}${++slotCounter}`;
  const preparsed = engine.preparsePolicySet(slot, { staticPolicies });
  if (preparsed.type === "failure") {
    return {
      ok: false,
      errors: preparsed.errors.slice(0, MAX_DIAGNOSTICS).map((e) => diagnostic(text, e, 0, undefined)),
      warnings,
    };
  }
  const policySet = new CompiledPolicySet(
    engine,
    slot,
    parts.map((p) => p.id),
    text,
    options.defaultDecision,
    staticPolicies,
  );
  if (options.evaluator !== "engine") policySet.compileOnUse();
  return { ok: true, policySet, warnings };
}

function diagnostic(
  text: string,
  error: DetailedError,
  base: number,
  part: Part | undefined,
  policyId?: string,
): CedarDiagnostic {
  const location = error.sourceLocations?.[0];
  let offset = base;
  if (part && part.offset >= 0) {
    offset = part.offset + (location ? byteOffsetToIndex(part.text, location.start) : 0);
  } else if (!part && location) {
    offset = byteOffsetToIndex(text, location.start);
  }
  const label = location?.label ? ` (${location.label})` : "";
  const out: CedarDiagnostic = {
    severity: "error",
    message: `${error.message}${label}`,
    ...positionAt(text, offset),
  };
  if (policyId !== undefined) out.policyId = policyId;
  if (error.help) out.help = error.help;
  return out;
}
