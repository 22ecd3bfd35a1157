/** Alert rules, their firing state and their deliveries, as the store keeps them (see Store). */

export type AlertKind = "violation" | "rate" | "silent" | "match";

/** Where an alert goes. A webhook's secret signs its bodies (HMAC-SHA256). */
export type AlertChannel = { type: "webhook"; url: string; secret: string } | { type: "slack"; url: string };

/** What a rule watches; which members apply depends on the kind (checked by the alert service). */
export interface AlertParams {
  /** Agent id: only this agent's events (violation, match, silent). */
  agentId?: string;
  /** Event type (rate: required; match: optional). */
  type?: string;
  /** Event name pattern, `*` matching any run of characters (match). */
  name?: string;
  /** rate: more than this many events within the window fires. */
  threshold?: number;
  windowSeconds?: number;
  /** silent: no event for this many minutes fires. */
  silentMinutes?: number;
}

export interface NewAlertRule {
  name: string;
  kind: AlertKind;
  enabled: boolean;
  params: AlertParams;
  channels: AlertChannel[];
  /** One condition fires at most once within this many seconds. */
  cooldownSeconds: number;
}

export interface AlertRule extends NewAlertRule {
  id: string;
  projectId: string;
  createdAt: string;
  updatedAt: string;
}

/** One firing of a rule for one condition (an agent, the rate of a type, ...). */
export interface FiredAlert {
  id: string;
  projectId: string;
  ruleId: string;
  conditionKey: string;
  /** ms since the epoch. */
  firedAt: number;
  /** JSON text of what was sent. */
  payload: string;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface AlertDelivery {
  id: string;
  projectId: string;
  alertId: string;
  ruleId: string;
  /** The channel as it was when the alert fired (a later edit of the rule does not change it). */
  channel: AlertChannel;
  status: DeliveryStatus;
  attempts: number;
  /** ms since the epoch; when the next attempt is due (pending only). */
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  /** The alert's JSON text; set by `leaseDueDeliveries` only (what the dispatcher sends). */
  payload?: string;
}

/** The outcome of one delivery attempt, written by the dispatcher that leased it. */
export interface DeliveryAttempt {
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: number | null;
}

export interface FireAlertInput {
  /** The alert's id (`alt_...`), made by the caller so that the payload can name it. */
  id: string;
  ruleId: string;
  conditionKey: string;
  /** ms since the epoch. */
  now: number;
  cooldownMs: number;
  payload: string;
  channels: AlertChannel[];
}

export interface AlertStore {
  createAlertRule(projectId: string, input: NewAlertRule): Promise<AlertRule>;
  /** Replaces a rule's settings; null when the project has no such rule. */
  updateAlertRule(projectId: string, id: string, input: NewAlertRule): Promise<AlertRule | null>;
  deleteAlertRule(projectId: string, id: string): Promise<boolean>;
  getAlertRule(projectId: string, id: string): Promise<AlertRule | null>;
  /** By creation, oldest first. */
  listAlertRules(projectId: string): Promise<AlertRule[]>;
  /** Enabled rules of a kind in every project (for the timers that check silence). */
  enabledAlertRules(kind: AlertKind): Promise<AlertRule[]>;
  /**
   * Fires a rule for one condition unless it fired for that condition within the cooldown: records the
   * alert and a pending delivery per channel, atomically, so that two processes (or a restart) never
   * fire one condition twice within the cooldown. Null when it is cooling down.
   */
  fireAlert(
    projectId: string,
    input: FireAlertInput,
  ): Promise<{ alert: FiredAlert; deliveries: AlertDelivery[] } | null>;
  /**
   * Leases due pending deliveries of every project to this caller for `leaseMs` (another process
   * leases them only after that), oldest first.
   */
  leaseDueDeliveries(now: number, leaseMs: number, limit: number): Promise<AlertDelivery[]>;
  /** Records an attempt's outcome and ends the lease. */
  finishDeliveryAttempt(id: string, attempt: DeliveryAttempt): Promise<void>;
  /** Alerts newest first, each with its deliveries; `ruleId` narrows to one rule. */
  listAlerts(
    projectId: string,
    query: { ruleId?: string; limit: number },
  ): Promise<(FiredAlert & { deliveries: AlertDelivery[] })[]>;
}
