import { fetchHref, type OutboundCall, stripHash, type Verdict } from "../interceptor/call.js";
import type { DecisionCore } from "../interceptor/decision-core.js";
import { recordHeaders } from "../interceptor/headers.js";
import type { Patch } from "./patch.js";
import {
  baseGlobalDispatcher,
  type Dispatcher,
  endHandoff,
  FetchCallDispatcher,
  handOff,
  unwrapDispatcher,
} from "./undici-dispatcher.js";

type Fetch = typeof globalThis.fetch;

function isRequest(input: unknown): input is Request {
  return typeof globalThis.Request === "function" && input instanceof globalThis.Request;
}

// A Request made with `new Request(url, { dispatcher })` keeps it under a private symbol of undici's.
function requestDispatcher(input: Request): unknown {
  for (const s of Object.getOwnPropertySymbols(input)) {
    if (s.description === "dispatcher") return (input as unknown as Record<symbol, unknown>)[s];
  }
  return undefined;
}

/**
 * Wraps the global `fetch`. The wrapper decides before anything is sent, so that a blocked call
 * rejects with the PolicyViolationError itself (a dispatcher-level refusal would reach the caller
 * wrapped in `TypeError: fetch failed`). An allowed call goes on with the decision handed to our hook on
 * the global dispatcher (the common case: the application names no dispatcher), or else through a
 * per-call dispatcher over the one it names; either records status, sizes and duration.
 */
export function installFetch(core: DecisionCore): Patch | null {
  const original = globalThis.fetch;
  if (typeof original !== "function") return null;
  const state = { active: true };

  const fetch = function fetch(input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]) {
    if (!state.active) return original(input, init);
    let call: OutboundCall;
    let verdict: Verdict;
    let startedAt: number | undefined;
    let own: unknown;
    try {
      let request: Request | undefined;
      const given = typeof input === "string" ? input : input instanceof URL ? input.href : null;
      const fast = given === null ? null : core.fastVerdict();
      if (fast !== null) {
        // The common case: a URL and no policy to decide with. The event thread parses and redacts
        // the URL (see OutboundCall.rawUrl).
        call = core.describeRaw("fetch", init?.method ?? "GET", given!, recordHeaders(init?.headers));
        verdict = fast;
      } else {
        request = isRequest(input) ? input : undefined;
        const href = request
          ? stripHash(request.url)
          : fetchHref(input instanceof URL ? input.href : String(input));
        if (core.excluded(href)) return original(input, init);
        const method = init?.method ?? request?.method ?? "GET";
        call = core.describe("fetch", method, href, recordHeaders(init?.headers ?? request?.headers));
        ({ call, verdict, startedAt } = core.claimOrCheck(call));
      }
      own =
        (init as { dispatcher?: unknown } | undefined)?.dispatcher ?? (request && requestDispatcher(request));
    } catch {
      // Not something we can describe (a relative URL, say): fetch itself will say what is wrong.
      return original(input, init);
    }
    if (verdict.blocked) return Promise.reject(core.block(call, verdict));
    if (!own && handOff(core, call, verdict, startedAt)) {
      try {
        return original(input, init);
      } finally {
        endHandoff();
      }
    }
    let base: Dispatcher | undefined;
    let nextInit: RequestInit;
    try {
      base = own ? unwrapDispatcher(own) : baseGlobalDispatcher();
      // `dispatcher` is undici's extension of RequestInit, which Node's fetch honours.
      const dispatcher = base ? new FetchCallDispatcher(core, base, { call, verdict, startedAt }) : undefined;
      nextInit = (dispatcher ? (init ? { ...init, dispatcher } : { dispatcher }) : init) as RequestInit;
    } catch {
      return original(input, init);
    }
    if (!base) {
      const record = core.start(call, verdict, startedAt);
      return original(input, init).then(
        (res) => {
          record.status = res.status;
          core.finish(record);
          return res;
        },
        (err: unknown) => {
          core.finish(record, err);
          throw err;
        },
      );
    }
    return original(input, nextInit);
  } as Fetch;

  globalThis.fetch = fetch;
  return {
    name: "fetch",
    uninstall() {
      state.active = false;
      if (globalThis.fetch === fetch) globalThis.fetch = original;
    },
  };
}
