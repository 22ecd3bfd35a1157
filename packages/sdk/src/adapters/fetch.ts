import type { OutboundCall, Verdict } from "../interceptor/call.js";
import type { DecisionCore } from "../interceptor/decision-core.js";
import { recordHeaders } from "../interceptor/headers.js";
import type { Patch } from "./patch.js";
import {
  baseGlobalDispatcher,
  type Dispatcher,
  FetchCallDispatcher,
  globalHookInPlace,
  unwrapDispatcher,
} from "./undici-dispatcher.js";

type Fetch = typeof globalThis.fetch;

function stripHash(href: string): string {
  const hash = href.indexOf("#");
  return hash < 0 ? href : href.slice(0, hash);
}

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
 * wrapped in `TypeError: fetch failed`). An allowed call is recorded (status, sizes, duration) where it
 * is dispatched: by our global-dispatcher hook, which takes the decision made here as a claim, when the
 * call uses the global dispatcher; otherwise through a per-call dispatcher over the caller's own.
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
    let base: Dispatcher | undefined;
    let claimed = false;
    try {
      const request = isRequest(input) ? input : undefined;
      // Without the fragment, which fetch never sends: the URL is then the one the dispatch sees.
      const href = stripHash(
        request ? request.url : new URL(input instanceof URL ? input.href : String(input)).href,
      );
      if (core.excluded(href)) return original(input, init);
      const method = init?.method ?? request?.method ?? "GET";
      call = core.describe("fetch", method, href, recordHeaders(init?.headers ?? request?.headers));
      const claim = core.claims.take(call.method, call.url);
      claimed = claim !== undefined;
      if (claim) {
        call = claim.call;
        verdict = claim.verdict;
        startedAt = claim.startedAt;
      } else {
        verdict = core.check(call);
      }
      const own =
        (init as { dispatcher?: unknown } | undefined)?.dispatcher ?? (request && requestDispatcher(request));
      base = own ? unwrapDispatcher(own) : baseGlobalDispatcher();
    } catch {
      // Not something we can describe (a relative URL, say): fetch itself will say what is wrong.
      return original(input, init);
    }
    if (verdict.blocked) return Promise.reject(core.block(call, verdict));
    // The common case: no dispatcher of the caller's and our hook is the global dispatcher. Hand the
    // decision to the hook, which observes the request as it leaves (status, sizes, duration), and
    // leave fetch's arguments untouched: giving fetch a dispatcher of its own costs about 40 µs a
    // call in Node 20, eight times all the rest of the interception.
    if (base === baseGlobalDispatcher() && globalHookInPlace() && !claimed) {
      const claim = core.claims.offer(call, verdict, startedAt ?? performance.now());
      const unclaimed = (err?: unknown) => {
        // Failed before anything was dispatched (a bad header, say): record it here, once.
        if (core.claims.withdraw(claim)) core.finish(core.start(call, verdict, claim.startedAt), err);
      };
      return original(input, init).then(
        (res) => {
          unclaimed();
          return res;
        },
        (err: unknown) => {
          unclaimed(err);
          throw err;
        },
      );
    }
    let nextInit: RequestInit;
    try {
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
