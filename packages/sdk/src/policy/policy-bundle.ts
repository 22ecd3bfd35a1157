import type { ClientInternals } from "../client/client.js";
import { PolicyLoadError } from "../errors.js";
import type { Logger } from "../log.js";
import type { CedarEvaluator, DefaultDecision } from "./cedar-evaluator.js";

/** The wire format of `GET {policyUrl}` (docs/policy-model.md). */
export interface PolicyBundle {
  /** The active policy version, or null when the project has no active policy. */
  version: string | null;
  /** `sha256:<hex>`, also sent as the ETag. */
  digest: string;
  /** Cedar policy text; empty with `version: null`. */
  policies: string;
  default_decision: DefaultDecision;
}

/**
 * Where the bundle stands. `pending`: no answer yet. `active`: a policy set is loaded. `none`: the
 * server says there is no active policy (nothing to evaluate). `unavailable`: the bundle could not be
 * fetched or loaded and there is no earlier good one.
 */
export type BundleState = "pending" | "active" | "none" | "unavailable";

export interface BundleStatus {
  state: BundleState;
  version: string | null;
  digest: string | null;
  /** When the server last answered 200 or 304 (ms since the epoch), or null. */
  checkedAt: number | null;
  /** The last failure, in words, or null after a success. */
  lastError: string | null;
}

function parseBundle(body: string): PolicyBundle | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return "the body is not JSON";
  }
  const b = value as Partial<PolicyBundle> | null;
  if (!b || typeof b !== "object") return "the body is not a JSON object";
  if (b.version !== null && typeof b.version !== "string") return "version must be a string or null";
  if (typeof b.digest !== "string") return "digest must be a string";
  if (typeof b.policies !== "string") return "policies must be a string";
  if (b.default_decision !== "allow" && b.default_decision !== "deny")
    return 'default_decision must be "allow" or "deny"';
  return b as PolicyBundle;
}

/**
 * Keeps a `CedarEvaluator` loaded with the server's policy bundle: fetched in the background with
 * If-None-Match, never on the path of a request. When a fetch fails or a bundle does not load, the
 * last good set stays active.
 */
export class PolicyBundleSource {
  readonly #client: ClientInternals;
  readonly #url: URL;
  readonly #evaluator: CedarEvaluator;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #isClosed: () => boolean;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #etag: string | null = null;
  #inFlight: Promise<void> | null = null;
  #warned = new Set<string>();
  readonly #status: BundleStatus = {
    state: "pending",
    version: null,
    digest: null,
    checkedAt: null,
    lastError: null,
  };

  constructor(options: {
    client: ClientInternals;
    url: URL;
    evaluator: CedarEvaluator;
    intervalMs: number;
    logger: Logger;
    isClosed: () => boolean;
  }) {
    this.#client = options.client;
    this.#url = options.url;
    this.#evaluator = options.evaluator;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger;
    this.#isClosed = options.isClosed;
  }

  get url(): string {
    return this.#url.href;
  }

  get state(): BundleState {
    return this.#status.state;
  }

  get status(): BundleStatus {
    return { ...this.#status };
  }

  /** Fetches now, then every interval. Resolves after the first attempt, whatever its outcome. */
  start(): Promise<void> {
    const first = this.refresh();
    void first.then(() => this.#schedule());
    return first;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** One conditional fetch (joined with one already in flight). Never rejects. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#fetchOnce().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      if (this.#stopped || this.#isClosed()) return;
      void this.refresh().then(() => this.#schedule());
    }, this.#intervalMs);
    this.#timer.unref();
  }

  async #fetchOnce(): Promise<void> {
    if (this.#stopped || this.#isClosed()) return;
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#etag) headers["if-none-match"] = this.#etag;
    let res: Awaited<ReturnType<ClientInternals["get"]>>;
    try {
      res = await this.#client.get(this.#url, headers);
    } catch (err) {
      return this.#fail(`cannot reach ${this.#url.href}: ${(err as Error).message}`, "network");
    }
    if (res.status === 304) {
      this.#status.checkedAt = Date.now();
      this.#status.lastError = null;
      return;
    }
    if (res.status !== 200) {
      return this.#fail(`${this.#url.href} answered ${res.status}`, `status-${res.status}`);
    }
    const bundle = parseBundle(res.body);
    if (typeof bundle === "string") return this.#fail(`invalid policy bundle: ${bundle}`, "invalid");
    const etag = typeof res.headers.etag === "string" ? res.headers.etag : null;
    if (bundle.version === null && bundle.policies.trim() === "") {
      this.#evaluator.clear();
      this.#accept(bundle, etag, "none");
      this.#logger.debug(`policy bundle: no active policy (${bundle.digest})`);
      return;
    }
    try {
      await this.#evaluator.loadPolicy(bundle.policies, { defaultDecision: bundle.default_decision });
    } catch (err) {
      const detail = err instanceof PolicyLoadError ? err.message : String(err);
      // Remember the ETag of the bad bundle, so the next poll is a cheap 304 until it changes.
      this.#etag = etag;
      return this.#fail(
        `policy bundle ${bundle.version} (${bundle.digest}) did not load: ${detail}`,
        bundle.digest,
      );
    }
    this.#accept(bundle, etag, "active");
    this.#logger.debug(`policy bundle ${bundle.version} loaded (${bundle.digest})`);
  }

  #accept(bundle: PolicyBundle, etag: string | null, state: BundleState): void {
    this.#etag = etag;
    this.#status.state = state;
    this.#status.version = bundle.version;
    this.#status.digest = bundle.digest;
    this.#status.checkedAt = Date.now();
    this.#status.lastError = null;
    this.#warned.clear();
  }

  #fail(message: string, kind: string): void {
    this.#status.lastError = message;
    if (this.#status.state === "pending") this.#status.state = "unavailable";
    const keeping =
      this.#status.state === "active" ? ` (keeping the last good policy, ${this.#status.digest})` : "";
    // One warning per kind of failure until the next success; the rest at debug level.
    if (this.#warned.has(kind)) this.#logger.debug(`${message}${keeping}`);
    else {
      this.#warned.add(kind);
      this.#logger.warn(`${message}${keeping}`);
    }
  }
}
