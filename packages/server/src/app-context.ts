import { AlertEngine } from "./alerts/alert-engine.js";
import { DeliveryDispatcher } from "./alerts/dispatcher.js";
import { Authenticator } from "./auth/authenticate.js";
import { SessionService } from "./auth/sessions.js";
import { ALERT_DEFAULTS, DASHBOARD_DEFAULTS, type ServerConfig } from "./config.js";
import { IngestService } from "./ingest/ingest-service.js";
import { LearningService } from "./learning/learning-service.js";
import { EventBus } from "./live/event-bus.js";
import { EventStreams } from "./live/event-stream.js";
import { Metrics } from "./observability/metrics.js";
import { DecisionService } from "./policies/decision-service.js";
import { PolicyService } from "./policies/policy-service.js";
import { ReplayService } from "./policies/replay-service.js";
import { ReceiptService } from "./receipts/receipt-service.js";
import { eventJson } from "./routes/event-json.js";
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
  /** Events this process stored, for live streams and alerts. */
  bus: EventBus;
  streams: EventStreams;
  sessions: SessionService;
  dispatcher: DeliveryDispatcher;
  alertEngine: AlertEngine;
  receipts: ReceiptService;
  /** Policy suggestions learned from events: listed, approved, rejected (docs/learning.md). */
  learning: LearningService;
  /** Set when a graceful shutdown begins: /readyz then answers 503 so that a load balancer stops routing here. */
  lifecycle: { closing: boolean };
}

/**
 * Builds the services around a store. The alert engine and dispatcher are made here but started by
 * `startServer` with the app's logger (an app built for a test that does not listen runs no timers).
 */
export function createAppContext(config: ServerConfig, store: Store): AppContext {
  const metrics = new Metrics();
  const bus = new EventBus();
  const alerts = { ...ALERT_DEFAULTS, ...config.alerts };
  const dispatcher = new DeliveryDispatcher(store, alerts);
  const policies = new PolicyService(store);
  return {
    config,
    store,
    metrics,
    bus,
    streams: new EventStreams(store, bus, eventJson),
    sessions: new SessionService(store, { ...DASHBOARD_DEFAULTS, ...config.dashboard }),
    dispatcher,
    alertEngine: new AlertEngine(store, bus, dispatcher, alerts.tickMs),
    receipts: new ReceiptService(store),
    ingest: new IngestService(store, metrics, bus),
    auth: new Authenticator(store),
    policies,
    learning: new LearningService(store, policies),
    decisions: new DecisionService(store),
    replay: new ReplayService(store),
    lifecycle: { closing: false },
  };
}
