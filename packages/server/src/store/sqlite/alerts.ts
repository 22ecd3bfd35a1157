import type Database from "better-sqlite3";
import { newId, nowIso } from "../ids.js";
import { type Row, toAlertRule, toDelivery, toFiredAlert } from "../rows.js";
import type {
  AlertDelivery,
  AlertKind,
  AlertRule,
  AlertStore,
  DeliveryAttempt,
  FireAlertInput,
  FiredAlert,
  NewAlertRule,
} from "../types.js";

/** Alert rules, cooldowns, fired alerts and deliveries in SQLite. */
export class SqliteAlerts implements AlertStore {
  readonly #s;
  readonly #fire: (projectId: string, input: FireAlertInput) => ReturnType<SqliteAlerts["fireInTransaction"]>;
  readonly #lease: (now: number, leaseMs: number, limit: number) => AlertDelivery[];

  constructor(db: Database.Database) {
    this.#s = {
      insertRule: db.prepare(
        `INSERT INTO alert_rules (id, project_id, name, kind, enabled, params, channels, cooldown_seconds, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateRule: db.prepare(
        `UPDATE alert_rules SET name = ?, kind = ?, enabled = ?, params = ?, channels = ?, cooldown_seconds = ?, updated_at = ?
         WHERE project_id = ? AND id = ?`,
      ),
      deleteRule: db.prepare("DELETE FROM alert_rules WHERE project_id = ? AND id = ?"),
      rule: db.prepare("SELECT * FROM alert_rules WHERE project_id = ? AND id = ?"),
      rules: db.prepare("SELECT * FROM alert_rules WHERE project_id = ? ORDER BY created_at, id"),
      enabledOfKind: db.prepare("SELECT * FROM alert_rules WHERE kind = ? AND enabled = 1"),
      claim: db.prepare(
        `INSERT INTO alert_conditions (rule_id, condition_key, project_id, last_fired_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (rule_id, condition_key) DO UPDATE SET last_fired_at = excluded.last_fired_at
         WHERE alert_conditions.last_fired_at <= ?`,
      ),
      insertAlert: db.prepare(
        "INSERT INTO alerts (id, project_id, rule_id, condition_key, fired_at, payload) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      insertDelivery: db.prepare(
        `INSERT INTO alert_deliveries (id, project_id, alert_id, rule_id, channel, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      ),
      due: db.prepare(
        `SELECT d.*, a.payload FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.lease_until <= ?
         ORDER BY d.next_attempt_at LIMIT ?`,
      ),
      lease: db.prepare("UPDATE alert_deliveries SET lease_until = ? WHERE id = ?"),
      finish: db.prepare(
        `UPDATE alert_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?,
         delivered_at = ?, lease_until = 0 WHERE id = ?`,
      ),
      alerts: db.prepare("SELECT * FROM alerts WHERE project_id = ? ORDER BY fired_at DESC, id DESC LIMIT ?"),
      alertsOfRule: db.prepare(
        "SELECT * FROM alerts WHERE project_id = ? AND rule_id = ? ORDER BY fired_at DESC, id DESC LIMIT ?",
      ),
      deliveriesOf: db.prepare(
        "SELECT * FROM alert_deliveries WHERE project_id = ? AND alert_id = ? ORDER BY created_at, id",
      ),
    };
    const tx = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const t = db.transaction(fn);
      return (...args: A): R => t.immediate(...args);
    };
    this.#fire = tx(this.fireInTransaction.bind(this));
    this.#lease = tx(this.leaseInTransaction.bind(this));
  }

  async createAlertRule(projectId: string, input: NewAlertRule): Promise<AlertRule> {
    const now = nowIso();
    const rule: AlertRule = { id: newId("alr"), projectId, createdAt: now, updatedAt: now, ...input };
    this.#s.insertRule.run(
      rule.id,
      projectId,
      rule.name,
      rule.kind,
      rule.enabled ? 1 : 0,
      JSON.stringify(rule.params),
      JSON.stringify(rule.channels),
      rule.cooldownSeconds,
      rule.createdAt,
      rule.updatedAt,
    );
    return rule;
  }

  async updateAlertRule(projectId: string, id: string, input: NewAlertRule): Promise<AlertRule | null> {
    const changed = this.#s.updateRule.run(
      input.name,
      input.kind,
      input.enabled ? 1 : 0,
      JSON.stringify(input.params),
      JSON.stringify(input.channels),
      input.cooldownSeconds,
      nowIso(),
      projectId,
      id,
    ).changes;
    return changed > 0 ? this.getAlertRule(projectId, id) : null;
  }

  async deleteAlertRule(projectId: string, id: string): Promise<boolean> {
    return this.#s.deleteRule.run(projectId, id).changes > 0;
  }

  async getAlertRule(projectId: string, id: string): Promise<AlertRule | null> {
    const row = this.#s.rule.get(projectId, id) as Row | undefined;
    return row ? toAlertRule(row) : null;
  }

  async listAlertRules(projectId: string): Promise<AlertRule[]> {
    return (this.#s.rules.all(projectId) as Row[]).map(toAlertRule);
  }

  async enabledAlertRules(kind: AlertKind): Promise<AlertRule[]> {
    return (this.#s.enabledOfKind.all(kind) as Row[]).map(toAlertRule);
  }

  async fireAlert(projectId: string, input: FireAlertInput) {
    return this.#fire(projectId, input);
  }

  private fireInTransaction(
    projectId: string,
    input: FireAlertInput,
  ): { alert: FiredAlert; deliveries: AlertDelivery[] } | null {
    const claimed = this.#s.claim.run(
      input.ruleId,
      input.conditionKey,
      projectId,
      input.now,
      input.now - input.cooldownMs,
    ).changes;
    if (claimed === 0) return null;
    const alert: FiredAlert = {
      id: input.id,
      projectId,
      ruleId: input.ruleId,
      conditionKey: input.conditionKey,
      firedAt: input.now,
      payload: input.payload,
    };
    this.#s.insertAlert.run(
      alert.id,
      projectId,
      alert.ruleId,
      alert.conditionKey,
      alert.firedAt,
      alert.payload,
    );
    const deliveries = input.channels.map((channel): AlertDelivery => {
      const d: AlertDelivery = {
        id: newId("dlv"),
        projectId,
        alertId: alert.id,
        ruleId: alert.ruleId,
        channel,
        status: "pending",
        attempts: 0,
        nextAttemptAt: input.now,
        lastStatusCode: null,
        lastError: null,
        createdAt: input.now,
        deliveredAt: null,
      };
      this.#s.insertDelivery.run(
        d.id,
        projectId,
        d.alertId,
        d.ruleId,
        JSON.stringify(channel),
        d.nextAttemptAt,
        d.createdAt,
      );
      return d;
    });
    return { alert, deliveries };
  }

  async leaseDueDeliveries(now: number, leaseMs: number, limit: number): Promise<AlertDelivery[]> {
    return this.#lease(now, leaseMs, limit);
  }

  private leaseInTransaction(now: number, leaseMs: number, limit: number): AlertDelivery[] {
    const rows = (this.#s.due.all(now, now, limit) as Row[]).map((r) => ({
      ...toDelivery(r),
      payload: r.payload as string,
    }));
    for (const d of rows) this.#s.lease.run(now + leaseMs, d.id);
    return rows;
  }

  async finishDeliveryAttempt(id: string, a: DeliveryAttempt): Promise<void> {
    this.#s.finish.run(
      a.status,
      a.attempts,
      a.nextAttemptAt,
      a.lastStatusCode,
      a.lastError,
      a.deliveredAt,
      id,
    );
  }

  async listAlerts(projectId: string, query: { ruleId?: string; limit: number }) {
    const rows = (
      query.ruleId !== undefined
        ? this.#s.alertsOfRule.all(projectId, query.ruleId, query.limit)
        : this.#s.alerts.all(projectId, query.limit)
    ) as Row[];
    return rows.map((r) => {
      const alert = toFiredAlert(r);
      const deliveries = (this.#s.deliveriesOf.all(projectId, alert.id) as Row[]).map(toDelivery);
      return { ...alert, deliveries };
    });
  }
}
