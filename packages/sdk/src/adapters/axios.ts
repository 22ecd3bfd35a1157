import type { OutboundCall, Verdict } from "../interceptor/call.js";
import type { DecisionCore } from "../interceptor/decision-core.js";
import { recordHeaders } from "../interceptor/headers.js";
import type { AxiosLike } from "../interceptor/types.js";
import type { Patch } from "./patch.js";

type AnyFn = (...args: unknown[]) => unknown;
type AxiosConfig = Record<string, unknown>;
interface AxiosContext {
  defaults?: AxiosConfig;
  getUri(config: AxiosConfig): string;
}

function resolveAdapter(axios: AxiosLike, spec: unknown, config: AxiosConfig): AnyFn {
  if (typeof spec === "function") return spec as AnyFn;
  if (typeof axios.getAdapter === "function") return axios.getAdapter(spec, config) as AnyFn;
  throw new Error("this axios cannot resolve adapters by name");
}

/**
 * Wraps the adapter of one request. It runs after axios merged the config and ran the request
 * interceptors, so it decides on the final URL, method and headers; a blocked request rejects with
 * the PolicyViolationError itself. An allowed one is offered as a claim to the transport hooks
 * (node:http, fetch), which record it as an axios call; when none of them sees it (a custom adapter,
 * HTTP/2), it is recorded here when it settles.
 */
function wrapAdapter(
  core: DecisionCore,
  axios: AxiosLike,
  ctx: AxiosContext,
  spec: unknown,
): (config: AxiosConfig) => unknown {
  return function truseraAdapter(config: AxiosConfig) {
    let call: OutboundCall;
    let verdict: Verdict;
    const startedAt = performance.now();
    try {
      const href = new URL(ctx.getUri(config)).href;
      if (core.excluded(href)) return resolveAdapter(axios, spec, config)(config);
      call = core.describe("axios", String(config.method ?? "get"), href, recordHeaders(config.headers));
      verdict = core.check(call);
    } catch {
      return resolveAdapter(axios, spec, config)(config);
    }
    if (verdict.blocked) return Promise.reject(core.block(call, verdict));
    const claim = core.claims.offer(call, verdict, startedAt);
    const settle = (status: unknown, headers: unknown, error?: unknown) => {
      if (!core.claims.withdraw(claim)) return;
      const record = core.start(call, verdict, startedAt);
      record.status = typeof status === "number" ? status : null;
      const length = Number((headers as Record<string, unknown> | undefined)?.["content-length"]);
      if (Number.isFinite(length)) record.responseBytes = length;
      core.finish(record, error);
    };
    let result: unknown;
    try {
      result = resolveAdapter(axios, spec, config)(config);
    } catch (err) {
      core.claims.withdraw(claim);
      throw err;
    }
    return Promise.resolve(result).then(
      (res: unknown) => {
        const r = res as { status?: unknown; headers?: unknown } | undefined;
        settle(r?.status, r?.headers);
        return res;
      },
      (err: { response?: { status?: unknown; headers?: unknown } }) => {
        settle(err?.response?.status, err?.response?.headers, err);
        throw err;
      },
    );
  };
}

const hooked = new WeakSet<object>();

/**
 * Hooks one copy of axios through `Axios.prototype._request`, which every instance calls on every
 * request: the default instance, and instances made by `axios.create` before or after install.
 */
export function installAxios(core: DecisionCore, axios: AxiosLike): Patch | null {
  const proto = axios?.Axios?.prototype as Record<string, unknown> | undefined;
  if (!proto || hooked.has(proto)) return null;
  const method = typeof proto._request === "function" ? "_request" : "request";
  const original = proto[method] as AnyFn;
  if (typeof original !== "function") return null;
  const state = { active: true };
  const wrapped = function (this: AxiosContext, configOrUrl: unknown, config?: AxiosConfig) {
    if (!state.active) return original.call(this, configOrUrl, config);
    let cfg: AxiosConfig;
    try {
      cfg =
        typeof configOrUrl === "string"
          ? { ...(config ?? {}), url: configOrUrl }
          : { ...((configOrUrl as AxiosConfig | undefined) ?? {}) };
      const spec = cfg.adapter ?? this.defaults?.adapter ?? axios.defaults?.adapter;
      cfg.adapter = wrapAdapter(core, axios, this, spec);
    } catch {
      return original.call(this, configOrUrl, config);
    }
    return original.call(this, cfg);
  };
  proto[method] = wrapped;
  hooked.add(proto);
  return {
    name: "axios",
    uninstall() {
      state.active = false;
      if (proto[method] === wrapped) {
        proto[method] = original;
        hooked.delete(proto);
      }
    },
  };
}
