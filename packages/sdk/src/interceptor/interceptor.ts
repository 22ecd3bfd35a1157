import { ConfigurationError } from "@trusera/core";
import { installAxios } from "../adapters/axios.js";
import { installFetch } from "../adapters/fetch.js";
import { importOptional, requireOptional } from "../adapters/load-module.js";
import { installNodeHttp } from "../adapters/node-http.js";
import type { Patch } from "../adapters/patch.js";
import { installGlobalDispatcherHook } from "../adapters/undici-dispatcher.js";
import { type ClientInternals, clientInternals, TruseraClient } from "../client/client.js";
import { consoleLogger, type Logger } from "../log.js";
import { CedarEvaluator } from "../policy/cedar-evaluator.js";
import { PolicyBundleSource } from "../policy/policy-bundle.js";
import { DecisionCore } from "./decision-core.js";
import { EventLane } from "./event-thread.js";
import { type ResolvedInterceptorOptions, resolveInterceptorOptions } from "./options.js";
import { activeInterceptor, type Installed, setActiveInterceptor } from "./registry.js";
import type { AxiosLike, InterceptorOptions, InterceptorStatus } from "./types.js";

const NO_REPORTS = { track() {} };

function detachedInternals(): ClientInternals {
  return {
    logger: consoleLogger(false),
    agentName: () => undefined,
    get: () => Promise.reject(new Error("no TruseraClient: nothing to fetch a policy bundle with")),
    attach: () => {
      throw new Error("no TruseraClient: nothing to report to");
    },
  };
}

interface Installation extends Installed {
  options: ResolvedInterceptorOptions;
  patches: Patch[];
  evaluator: CedarEvaluator | null;
  bundle: PolicyBundleSource | null;
  ready: Promise<void>;
  logger: Logger;
  lane: EventLane | null;
}

/**
 * Intercepts every outbound HTTP call of the process (global `fetch`, userland undici through the
 * global dispatcher, axios, `node:http` and `node:https`), decides it with Cedar in-process, enforces
 * the decision (`log`, `warn`, `block`) and reports an `api_call` event per call to the client.
 *
 * @example
 * const interceptor = new TruseraInterceptor();
 * interceptor.install(client, { enforcement: "block", cedarEvaluator: evaluator });
 * await fetch("https://api.openai.com/v1/models"); // decided, recorded
 * interceptor.uninstall(); // every original back in place
 */
export class TruseraInterceptor {
  #current: Installation | null = null;

  /**
   * Puts the hooks in place. Installing again (this interceptor or another one) replaces the previous
   * installation, so calls are never counted twice.
   * @throws ConfigurationError when an option is wrong (an exclude pattern that is not a regular
   * expression, an unknown option, an enforcement mode that does not exist).
   */
  install(client: TruseraClient | null, options: InterceptorOptions = {}): this {
    if (client !== null && !(client instanceof TruseraClient)) {
      throw new ConfigurationError(
        "TruseraInterceptor.install needs a TruseraClient from the same copy of trusera-sdk (or null to decide without reporting)",
      );
    }
    // With no client, calls are decided and enforced but not reported (a host that keeps its own
    // record, such as transient-trace's Node guard, which seals a receipt per decision).
    const internals = client ? clientInternals(client) : detachedInternals();
    const o = resolveInterceptorOptions(options, {
      baseUrl: client?.baseUrl ?? null,
      logger: internals.logger,
    });
    activeInterceptor()?.uninstall();

    // A bundle was validated by the server when it was stored, against the request model or the
    // version's own schema (which the bundle does not carry): the SDK does not second-guess it.
    const evaluator = o.cedarEvaluator ?? (o.policyUrl ? new CedarEvaluator({ schema: null }) : null);
    const bundle = o.policyUrl
      ? new PolicyBundleSource({
          client: internals,
          url: o.policyUrl,
          evaluator: evaluator!,
          intervalMs: o.policyRefreshInterval,
          logger: o.logger,
          isClosed: () => client?.closed ?? false,
        })
      : null;
    // Bodies are captured into buffers that stay on this thread: with them, events are built here too;
    // and a client whose track() is overridden gets every event through it.
    const lane =
      client &&
      o.eventThread === "worker" &&
      o.bodyBytes === 0 &&
      client.track === TruseraClient.prototype.track
        ? EventLane.open(internals.attach, o.enforcement, o.logger)
        : null;
    const core = new DecisionCore(client ?? NO_REPORTS, internals.agentName, o, evaluator, bundle, lane);
    const patches: Patch[] = [];
    const attempt = (name: string, fn: () => Patch | Patch[] | null) => {
      try {
        const p = fn();
        if (Array.isArray(p)) patches.push(...p);
        else if (p) patches.push(p);
        else o.logger.debug(`interceptor: ${name} not hooked`);
      } catch (err) {
        o.logger.debug(`interceptor: could not hook ${name}: ${(err as Error)?.message}`);
      }
    };
    attempt("fetch", () => installFetch(core));
    attempt("the undici global dispatcher", () => installGlobalDispatcherHook(core));
    attempt("node:http", () => installNodeHttp(core));
    const axiosCopies = new Set<unknown>([...o.axios, ...requireOptional("axios")]);
    for (const copy of axiosCopies) attempt("axios", () => installAxios(core, copy as AxiosLike));

    const installation: Installation = {
      options: o,
      patches,
      evaluator,
      bundle,
      logger: o.logger,
      ready: Promise.resolve(),
      lane,
      uninstall: () => this.#teardown(installation),
    };
    // The ES module copy of axios (a different instance from the CommonJS one) can only be loaded
    // asynchronously; `ready()` waits for it and for the first policy bundle.
    const esmAxios = importOptional("axios").then((copies) => {
      if (this.#current !== installation) return;
      for (const copy of copies) attempt("axios (ESM)", () => installAxios(core, copy as AxiosLike));
    });
    installation.ready = Promise.all([esmAxios, bundle?.start()]).then(
      () => {},
      () => {},
    );
    this.#current = installation;
    setActiveInterceptor(installation);
    o.logger.debug(
      `interceptor installed (${o.enforcement}): ${patches.map((p) => p.name).join(", ") || "nothing hooked"}`,
    );
    return this;
  }

  /** Takes every hook out, restoring the originals exactly. Safe to call when not installed. */
  uninstall(): void {
    if (this.#current) this.#teardown(this.#current);
  }

  /**
   * Resolves when the asynchronous parts of `install` are done: the ES module copy of axios is hooked
   * and the first policy bundle fetch has finished (successfully or not). Never rejects.
   */
  ready(): Promise<void> {
    return this.#current?.ready ?? Promise.resolve();
  }

  /** Fetches the policy bundle now (If-None-Match), rather than at the next interval. Never rejects. */
  async refreshPolicy(): Promise<void> {
    await this.#current?.bundle?.refresh();
  }

  get installed(): boolean {
    return this.#current !== null;
  }

  /** What is hooked and which policy is in force. */
  get status(): InterceptorStatus {
    const c = this.#current;
    const names = new Set(c?.patches.map((p) => p.name) ?? []);
    const bundle = c?.bundle?.status;
    const evaluatorLoaded = c?.evaluator?.loaded ?? false;
    return {
      installed: c !== null,
      enforcement: c?.options.enforcement ?? null,
      hooks: {
        fetch: names.has("fetch"),
        undiciGlobalDispatcher: names.has("undici global dispatcher"),
        http: names.has("node:http"),
        https: names.has("node:https"),
        axios: c?.patches.filter((p) => p.name === "axios").length ?? 0,
      },
      eventThread: c ? (c.lane ? "worker" : "main") : null,
      policy: bundle
        ? {
            source: "bundle",
            state: bundle.state,
            version: bundle.version,
            digest: bundle.digest,
            lastError: bundle.lastError,
          }
        : {
            source: c?.evaluator ? "evaluator" : "none",
            state: c?.evaluator ? (evaluatorLoaded ? "active" : "unavailable") : "none",
            version: null,
            digest: null,
            lastError: null,
          },
    };
  }

  #teardown(installation: Installation): void {
    for (const patch of [...installation.patches].reverse()) {
      try {
        patch.uninstall();
      } catch (err) {
        installation.logger.debug(`interceptor: could not unhook ${patch.name}: ${(err as Error)?.message}`);
      }
    }
    installation.patches.length = 0;
    installation.bundle?.stop();
    // Calls still running report nothing more; what already ended goes on to the client.
    installation.lane?.close();
    if (activeInterceptor() === installation) setActiveInterceptor(undefined);
    if (this.#current === installation) this.#current = null;
  }
}
