import { Authenticator } from "./auth/authenticate.js";
import type { ServerConfig } from "./config.js";
import { IngestService } from "./ingest/ingest-service.js";
import { Metrics } from "./observability/metrics.js";
import { DecisionService } from "./policies/decision-service.js";
import { PolicyService } from "./policies/policy-service.js";
import { ReplayService } from "./policies/replay-service.js";
import type { Store } from "./store/types.js";

/** What every route needs, made once per server. */
export interface AppContext {
  config: ServerConfig;
  store: Store;
  ingest: IngestService;
  auth: Authenticator;
  policies: PolicyService;
  decisions: DecisionService;
  replay: ReplayService;
  metrics: Metrics;
  /** Set when a graceful shutdown begins: /readyz then answers 503 so that a load balancer stops routing here. */
  lifecycle: { closing: boolean };
}

/** Builds the services around a store. */
export function createAppContext(config: ServerConfig, store: Store): AppContext {
  const metrics = new Metrics();
  return {
    config,
    store,
    metrics,
    ingest: new IngestService(store, metrics),
    auth: new Authenticator(store),
    policies: new PolicyService(store),
    decisions: new DecisionService(store),
    replay: new ReplayService(store),
    lifecycle: { closing: false },
  };
}
