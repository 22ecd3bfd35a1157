import { afterEach, describe, expect, it } from "vitest";
import {
  type Dispatcher,
  endHandoff,
  GLOBAL_DISPATCHER,
  handOff,
  installGlobalDispatcherHook,
} from "../src/adapters/undici-dispatcher.js";
import type { DispatchHandler } from "../src/adapters/undici-handler.js";
import type { Verdict } from "../src/interceptor/call.js";
import { DecisionCore, type EventSink } from "../src/interceptor/decision-core.js";
import { resolveInterceptorOptions } from "../src/interceptor/options.js";

// The fetch wrapper hands its decision to the global dispatcher hook for the one dispatch Node's fetch
// makes within the call (interceptor-fetch.test.ts covers that end to end). Here, what may take it:
// only a dispatch with fetch's kind of handler, and only on the hook of the core that handed it over.

const globals = globalThis as unknown as Record<symbol, unknown>;
const ALLOW: Verdict = { decision: "allow", policyIds: [], reasons: [], blocked: false };
const quiet = { debug() {}, warn() {} };

type Seen = { library: unknown; url: unknown };

function core(seen: Seen[]): DecisionCore {
  const sink: EventSink = {
    track(e) {
      seen.push({ library: e.metadata.library, url: e.payload.url });
    },
  };
  const options = resolveInterceptorOptions({ enforcement: "log" }, { baseUrl: null, logger: quiet });
  return new DecisionCore(sink, () => "agent", options, null, null, null);
}

/** A dispatcher that answers every dispatch at once: connected, 200, no body, complete. */
const answering: Dispatcher = {
  dispatch(_opts, handler) {
    handler.onConnect?.(() => {});
    handler.onHeaders?.(200, [], () => {}, "OK");
    handler.onComplete?.([]);
    return true;
  },
};

// fetch's handler is an object literal; undici's request API makes instances of its handler classes.
const fetchHandler = (): DispatchHandler => ({
  onConnect() {},
  onHeaders() {},
  onData() {},
  onComplete() {},
  onError() {},
});
class RequestHandler {
  onConnect() {}
  onHeaders() {}
  onData() {}
  onComplete() {}
  onError() {}
}

const before = globals[GLOBAL_DISPATCHER];
let undo: (() => void) | undefined;

afterEach(() => {
  endHandoff();
  undo?.();
  undo = undefined;
  globals[GLOBAL_DISPATCHER] = before;
});

function hooked(c: DecisionCore): Dispatcher {
  globals[GLOBAL_DISPATCHER] = answering;
  const patch = installGlobalDispatcherHook(c);
  if (!patch) throw new Error("no hook");
  undo = () => patch.uninstall();
  return globals[GLOBAL_DISPATCHER] as Dispatcher;
}

describe("the fetch wrapper's hand-over to the global dispatcher hook", () => {
  it("goes to the next dispatch with fetch's kind of handler, once; another call's dispatch is decided as its own", () => {
    const seen: Seen[] = [];
    const c = core(seen);
    const hook = hooked(c);
    const call = c.describe("fetch", "GET", "http://a.example/handed", {});
    expect(handOff(c, call, ALLOW)).toBe(true);
    hook.dispatch(
      { origin: "http://b.example", path: "/other", method: "GET" },
      new RequestHandler() as never,
    );
    hook.dispatch({ origin: "http://a.example", path: "/handed", method: "GET" }, fetchHandler());
    hook.dispatch({ origin: "http://a.example", path: "/again", method: "GET" }, fetchHandler());
    expect(seen).toEqual([
      { library: "undici", url: "http://b.example/other" },
      { library: "fetch", url: "http://a.example/handed" },
      { library: "undici", url: "http://a.example/again" },
    ]);
  });

  it("is refused when the global dispatcher is not this core's hook", () => {
    const mine = core([]);
    const other = core([]);
    hooked(mine);
    const call = other.describe("fetch", "GET", "http://a.example/x", {});
    expect(handOff(other, call, ALLOW)).toBe(false);
    globals[GLOBAL_DISPATCHER] = answering; // replaced after install, as setGlobalDispatcher() would
    expect(handOff(mine, call, ALLOW)).toBe(false);
  });
});
