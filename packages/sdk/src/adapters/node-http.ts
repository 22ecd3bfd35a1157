import dc from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";
import http from "node:http";
import https from "node:https";
import { syncBuiltinESMExports } from "node:module";
import { urlToHttpOptions } from "node:url";
import { chunkBytes } from "../interceptor/body.js";
import type { OutboundCall, Verdict } from "../interceptor/call.js";
import type { DecisionCore } from "../interceptor/decision-core.js";
import type { CallRecord } from "../interceptor/events.js";
import { recordHeaders } from "../interceptor/headers.js";
import { PRIVATE_AGENTS } from "../transport/private-http.js";
import type { Patch } from "./patch.js";

type RequestFn = (...args: unknown[]) => ClientRequest;
type Options = Record<string, unknown> & { agent?: unknown; headers?: unknown };

/** Splits `(url?, options?, callback?)` the way node's `http.request` does, into one options object. */
function mergedOptions(args: unknown[]): Options {
  const [a0, a1] = args;
  if (typeof a0 === "string" || a0 instanceof URL) {
    const fromUrl = urlToHttpOptions(typeof a0 === "string" ? new URL(a0) : a0) as unknown as Options;
    return a1 && typeof a1 === "object" ? { ...fromUrl, ...(a1 as Options) } : fromUrl;
  }
  return a0 && typeof a0 === "object" ? (a0 as Options) : {};
}

function hrefOf(o: Options, defaultProtocol: string): string {
  const protocol = typeof o.protocol === "string" ? o.protocol : defaultProtocol;
  const rawHost = (o.hostname || o.host || "localhost") as string;
  const host = rawHost.includes(":") && !rawHost.startsWith("[") ? `[${rawHost}]` : rawHost;
  const agentPort = (o.agent as { defaultPort?: unknown } | undefined)?.defaultPort;
  const port = o.port || o.defaultPort || agentPort || (protocol === "https:" ? 443 : 80);
  let auth = "";
  if (typeof o.auth === "string" && o.auth) {
    const colon = o.auth.indexOf(":");
    auth =
      colon < 0
        ? `${encodeURIComponent(o.auth)}@`
        : `${encodeURIComponent(o.auth.slice(0, colon))}:${encodeURIComponent(o.auth.slice(colon + 1))}@`;
  }
  const path = typeof o.path === "string" && o.path ? o.path : "/";
  return new URL(`${protocol}//${auth}${host}:${port}${path.startsWith("/") ? path : `/${path}`}`).href;
}

/** The same arguments with `agent` replaced, so that the request never gets a socket. */
function withAgent(args: unknown[], agent: unknown): unknown[] {
  const out = [...args];
  if (typeof out[0] === "string" || out[0] instanceof URL) {
    if (out[1] && typeof out[1] === "object") out[1] = { ...(out[1] as Options), agent };
    else out.splice(1, 0, { agent });
  } else {
    out[0] = { ...((out[0] as Options | undefined) ?? {}), agent };
  }
  return out;
}

/** An agent that fails the request with `error` instead of connecting: the call never leaves. */
function refusingAgent(error: Error): { addRequest(req: ClientRequest): void } {
  return {
    addRequest(req) {
      // The way node's own Agent reports a connection that could not be made: 'error' on next tick.
      (req as unknown as { onSocket(s: null, e: Error): void }).onSocket(null, error);
    },
  };
}

/** Counts (and captures) what the application writes into the request body. */
function countWrites(req: ClientRequest, record: CallRecord): void {
  const write = req.write;
  const end = req.end;
  const count = (chunk: unknown, encoding: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === "function") return;
    try {
      record.requestBytes += chunkBytes(chunk, encoding);
      record.requestBody?.add(chunk, encoding);
    } catch {}
  };
  req.write = function (this: ClientRequest, chunk: unknown, ...rest: unknown[]) {
    count(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ClientRequest["write"];
  req.end = function (this: ClientRequest, chunk?: unknown, ...rest: unknown[]) {
    count(chunk, rest[0]);
    return (end as (...a: unknown[]) => ClientRequest).call(this, chunk, ...rest);
  } as ClientRequest["end"];
}

/**
 * Hooks `http.request`, `http.get`, `https.request` and `https.get` (and their ESM named exports).
 * Decides at the call, so a blocked request never gets a socket and emits `error`. Status, response
 * size and errors are observed through diagnostics_channel, which adds no listener to the request:
 * an unhandled `error` still throws and an unread response is still dumped, as without us.
 */
export function installNodeHttp(core: DecisionCore): Patch[] {
  const live = new WeakMap<ClientRequest, CallRecord>();

  // diagnostics_channel rethrows a subscriber's error as an uncaught exception: never let one escape.
  const onResponse = (message: unknown) => {
    try {
      const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
      const record = live.get(request);
      if (!record) return;
      record.status = response.statusCode ?? null;
      if (record.responseBody) {
        record.responseContentType = response.headers["content-type"];
        record.responseEncoding = response.headers["content-encoding"] as string | undefined;
      }
      const push = response.push;
      response.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding) {
        try {
          if (chunk === null) {
            live.delete(request);
            core.finish(record);
          } else {
            record.responseBytes += chunkBytes(chunk, encoding);
            record.responseBody?.add(chunk, encoding);
          }
        } catch {}
        return push.call(this, chunk, encoding);
      };
    } catch {}
  };
  const onError = (message: unknown) => {
    try {
      const { request, error } = message as { request: ClientRequest; error: unknown };
      const record = live.get(request);
      if (!record) return;
      live.delete(request);
      core.finish(record, error);
    } catch {}
  };
  dc.subscribe("http.client.response.finish", onResponse);
  dc.subscribe("http.client.request.error", onError);

  const wrap = (mod: typeof http, defaultProtocol: string, state: { active: boolean }) => {
    const originalRequest = mod.request as unknown as RequestFn;
    const originalGet = mod.get as unknown as RequestFn;
    const request = function request(this: unknown, ...args: unknown[]): ClientRequest {
      if (!state.active) return originalRequest.apply(this, args);
      let call: OutboundCall;
      let verdict: Verdict;
      let startedAt: number | undefined;
      try {
        const options = mergedOptions(args);
        if (options.agent && PRIVATE_AGENTS.has(options.agent as http.Agent)) {
          return originalRequest.apply(this, args);
        }
        const href = hrefOf(options, defaultProtocol);
        if (core.excluded(href)) return originalRequest.apply(this, args);
        call = core.describe(
          "http",
          (options.method as string) || "GET",
          href,
          recordHeaders(options.headers),
        );
        ({ call, verdict, startedAt } = core.claimOrCheck(call));
      } catch {
        return originalRequest.apply(this, args);
      }
      if (verdict.blocked) {
        let blockedArgs: unknown[];
        try {
          blockedArgs = withAgent(args, refusingAgent(core.block(call, verdict)));
        } catch {
          return originalRequest.apply(this, args);
        }
        return originalRequest.apply(this, blockedArgs);
      }
      const record = core.start(call, verdict, startedAt);
      const req = originalRequest.apply(this, args);
      try {
        live.set(req, record);
        countWrites(req, record);
        // A request aborted before any response, or whose response never completed.
        req.once("close", () => {
          if (!live.has(req)) return;
          live.delete(req);
          core.finish(
            record,
            record.status === null ? new Error("request closed before a response") : undefined,
          );
        });
      } catch {}
      return req;
    };
    const get = function get(this: unknown, ...args: unknown[]): ClientRequest {
      if (!state.active) return originalGet.apply(this, args);
      const req = request.apply(this, args);
      req.end();
      return req;
    };
    mod.request = request as unknown as typeof mod.request;
    mod.get = get as unknown as typeof mod.get;
    return { originalRequest, originalGet, request, get };
  };

  const patches: Patch[] = [];
  for (const [mod, protocol, name] of [
    [http, "http:", "node:http"],
    [https, "https:", "node:https"],
  ] as const) {
    const state = { active: true };
    const w = wrap(mod as typeof http, protocol, state);
    patches.push({
      name,
      uninstall() {
        state.active = false;
        if (mod.request === (w.request as unknown))
          mod.request = w.originalRequest as unknown as typeof mod.request;
        if (mod.get === (w.get as unknown)) mod.get = w.originalGet as unknown as typeof mod.get;
        syncBuiltinESMExports();
      },
    });
  }
  syncBuiltinESMExports();
  patches.push({
    name: "http diagnostics",
    uninstall() {
      dc.unsubscribe("http.client.response.finish", onResponse);
      dc.unsubscribe("http.client.request.error", onError);
    },
  });
  return patches;
}
