import type { OutboundCall, Verdict } from "../interceptor/call.js";
import type { DecisionCore } from "../interceptor/decision-core.js";
import { recordHeaders } from "../interceptor/headers.js";
import type { InterceptedLibrary } from "../interceptor/types.js";
import type { Patch } from "./patch.js";
import {
  type DispatchHandler,
  failDispatch,
  isControllerHandler,
  ObservingControllerHandler,
  ObservingHandler,
} from "./undici-handler.js";

/** Where undici (userland, and the copy inside Node that runs `fetch`) keeps its global dispatcher. */
export const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const HOOK = Symbol.for("trusera.dispatcher-hook");

export interface Dispatcher {
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
}

export interface DispatchOptions {
  origin?: string | URL;
  path?: string;
  method?: string;
  headers?: unknown;
  [key: string]: unknown;
}

interface HookState {
  inner: Dispatcher;
  active: boolean;
}

const globals = globalThis as unknown as Record<symbol, unknown>;

/** The dispatcher beneath ours, when `d` is the hook we installed; otherwise `d` itself. */
export function unwrapDispatcher(d: unknown): Dispatcher | undefined {
  if (!d || typeof d !== "object") return undefined;
  const state = (d as Record<symbol, HookState | undefined>)[HOOK];
  return state ? state.inner : (d as Dispatcher);
}

// The hook in place, what it wraps and whose it is, so that the fetch wrapper finds the dispatcher beneath
// by an identity check on every call rather than through the proxy's trap.
let installedHook: object | null = null;
let installedInner: Dispatcher | null = null;
let installedCore: DecisionCore | null = null;

/** The global dispatcher without our hook. */
export function baseGlobalDispatcher(): Dispatcher | undefined {
  const current = globals[GLOBAL_DISPATCHER];
  if (current === installedHook && installedHook !== null) return installedInner ?? undefined;
  return unwrapDispatcher(current);
}

// The fetch wrapper's decision, handed to the hook for the one dispatch Node's fetch makes while the
// wrapper's call to it runs (undici's fetch dispatches synchronously, before its first await). Three
// variables rather than an object: this is every fetch call's path, and nothing else allocates on it.
let handoffCall: OutboundCall | null = null;
let handoffVerdict: Verdict | null = null;
let handoffStartedAt: number | undefined;

/**
 * When `core`'s hook holds the global dispatcher, leaves the decision for the dispatch the fetch call about
 * to run makes through it, and returns true; the caller runs fetch and then `endHandoff()`. A fetch that
 * dispatches later (a redirect, a body that must be read first) finds nothing handed over and is decided
 * afresh as an undici dispatch: it is still decided and recorded, only named for the transport.
 *
 * Cheaper than a dispatcher per call passed in fetch's init, which makes fetch process an init it was not
 * given (about 1 µs per call).
 */
export function handOff(
  core: DecisionCore,
  call: OutboundCall,
  verdict: Verdict,
  startedAt?: number,
): boolean {
  if (installedCore !== core || globals[GLOBAL_DISPATCHER] !== installedHook) return false;
  handoffCall = call;
  handoffVerdict = verdict;
  handoffStartedAt = startedAt;
  return true;
}

export function endHandoff(): void {
  handoffCall = null;
  handoffVerdict = null;
}

function dispatchHref(opts: DispatchOptions): string | null {
  const origin = opts.origin;
  if (origin === undefined || origin === null) return null;
  const o = typeof origin === "string" ? origin.replace(/\/+$/, "") : origin.origin;
  // Concatenate rather than resolve: a path such as "//other.host/x" must not change the host.
  return new URL(`${o}${opts.path ?? "/"}`).href;
}

/**
 * Decides and observes one dispatch. `preset` is the decision an outer hook (the fetch wrapper) already
 * made for this very request; redirects dispatched again by fetch are decided afresh.
 */
export function dispatchObserved(
  core: DecisionCore,
  base: Dispatcher,
  library: InterceptedLibrary,
  opts: DispatchOptions,
  handler: DispatchHandler,
  preset?: { call: OutboundCall; verdict: Verdict; startedAt?: number },
): boolean {
  let call: OutboundCall;
  let verdict: Verdict;
  let startedAt: number | undefined;
  try {
    if (preset) {
      ({ call, verdict, startedAt } = preset);
    } else {
      const href = dispatchHref(opts);
      if (href === null || core.excluded(href)) return base.dispatch(opts, handler);
      call = core.describe(library, opts.method ?? "GET", href, recordHeaders(opts.headers));
      ({ call, verdict, startedAt } = core.claimOrCheck(call));
    }
  } catch {
    return base.dispatch(opts, handler);
  }
  return observeDispatch(core, base, call, verdict, startedAt, opts, handler);
}

/** Blocks a decided dispatch, or sends it on through a handler that records it. */
function observeDispatch(
  core: DecisionCore,
  base: Dispatcher,
  call: OutboundCall,
  verdict: Verdict,
  startedAt: number | undefined,
  opts: DispatchOptions,
  handler: DispatchHandler,
): boolean {
  if (verdict.blocked) return failDispatch(handler, core.block(call, verdict));
  const record = core.start(call, verdict, startedAt);
  const observer = isControllerHandler(handler)
    ? new ObservingControllerHandler(handler, core, record)
    : new ObservingHandler(handler, core, record);
  return base.dispatch(opts, observer as unknown as DispatchHandler);
}

/**
 * A dispatcher for one `fetch` call: its first dispatch carries the fetch wrapper's decision, later
 * ones (redirects) are decided here. Node's fetch calls nothing but `dispatch` on it.
 */
export class FetchCallDispatcher implements Dispatcher {
  readonly #core: DecisionCore;
  readonly #base: Dispatcher;
  #preset: { call: OutboundCall; verdict: Verdict; startedAt?: number } | undefined;

  constructor(
    core: DecisionCore,
    base: Dispatcher,
    preset: { call: OutboundCall; verdict: Verdict; startedAt?: number },
  ) {
    this.#core = core;
    this.#base = base;
    this.#preset = preset;
  }

  dispatch(opts: DispatchOptions, handler: DispatchHandler): boolean {
    const preset = this.#preset;
    this.#preset = undefined;
    return dispatchObserved(this.#core, this.#base, "fetch", opts, handler, preset);
  }
}

// undici's request API methods (mixed into Dispatcher.prototype) only call `this.dispatch`; they must
// run on the hook so that their dispatch is ours. Every other method runs on the real dispatcher,
// whose private fields a proxy receiver would break.
const API_METHODS = new Set(["request", "stream", "pipeline", "connect", "upgrade"]);

/**
 * Puts a hook in front of the global dispatcher: a proxy of it whose `dispatch` decides and observes.
 * Userland undici (`request`, `stream`, `fetch`) and anything else that dispatches through the global
 * dispatcher pass through it; Node's `fetch` is handled by the fetch wrapper instead.
 */
export function installGlobalDispatcherHook(core: DecisionCore): Patch | null {
  // Node loads its bundled undici, which sets the global dispatcher, on first use of fetch or of
  // these classes; touch one so that there is a dispatcher to wrap. (A call, so that no bundler drops
  // it as a side-effect-free read.)
  Reflect.get(globalThis, "Headers");
  const inner = globals[GLOBAL_DISPATCHER] as Dispatcher | undefined;
  if (!inner || typeof inner.dispatch !== "function") return null;
  if ((inner as unknown as Record<symbol, unknown>)[HOOK]) return null;
  const state: HookState = { inner, active: true };
  const bound = new WeakMap<Function, Function>();
  const dispatch = (opts: DispatchOptions, handler: DispatchHandler): boolean => {
    if (!state.active) return inner.dispatch(opts, handler);
    const call = handoffCall;
    const verdict = handoffVerdict;
    // fetch's handler is an object literal; a class instance (undici's request, stream, ...) is another
    // call's dispatch, which must never take fetch's decision (none can come between the two today; this
    // keeps it so whatever runs inside fetch).
    if (call === null || verdict === null || Object.getPrototypeOf(handler) !== Object.prototype)
      return dispatchObserved(core, inner, "undici", opts, handler);
    // Only cores with a hook in place hand over (handOff), and at most one hook is in place.
    const startedAt = handoffStartedAt;
    endHandoff();
    return observeDispatch(core, inner, call, verdict, startedAt, opts, handler);
  };
  const hook = new Proxy(inner as object, {
    get(target, prop) {
      if (prop === "dispatch") return dispatch;
      // Read by undici's fetch on every call: a plain read costs ~20 ns, the general path below ~90.
      if (prop === "isMockActive") return (target as { isMockActive?: unknown }).isMockActive;
      if (prop === HOOK) return state;
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function" || API_METHODS.has(prop as string)) return value;
      let fn = bound.get(value);
      if (!fn) {
        fn = value.bind(target) as Function;
        bound.set(value, fn);
      }
      return fn;
    },
  });
  try {
    globals[GLOBAL_DISPATCHER] = hook;
  } catch {
    return null;
  }
  if (globals[GLOBAL_DISPATCHER] !== hook) return null;
  installedHook = hook;
  installedInner = inner;
  installedCore = core;
  return {
    name: "undici global dispatcher",
    uninstall() {
      state.active = false;
      if (installedHook === hook) {
        installedHook = null;
        installedInner = null;
        installedCore = null;
      }
      // Someone may have set another global dispatcher since; theirs stays, ours is inert.
      if (globals[GLOBAL_DISPATCHER] === hook) globals[GLOBAL_DISPATCHER] = inner;
    },
  };
}
