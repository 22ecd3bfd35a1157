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
import type { PgClient, Queryable } from "./pg-client.js";

const SQL = {
  insertRule: `INSERT INTO alert_rules (id, project_id, name, kind, enabled, params, channels, cooldown_seconds, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  updateRule: `UPDATE alert_rules SET name = $1, kind = $2, enabled = $3, params = $4, channels = $5, cooldown_seconds = $6,
    updated_at = $7 WHERE project_id = $8 AND id = $9 RETURNING *`,
  deleteRule: "DELETE FROM alert_rules WHERE project_id = $1 AND id = $2",
  rule: "SELECT * FROM alert_rules WHERE project_id = $1 AND id = $2",
  rules: "SELECT * FROM alert_rules WHERE project_id = $1 ORDER BY created_at, id",
  enabledOfKind: "SELECT * FROM alert_rules WHERE kind = $1 AND enabled = 1",
  // Fires only when the condition never fired or fired before the cooldown's start ($5).
  claim: `INSERT INTO alert_conditions (rule_id, condition_key, project_id, last_fired_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (rule_id, condition_key) DO UPDATE SET last_fired_at = excluded.last_fired_at
    WHERE alert_conditions.last_fired_at <= $5 RETURNING 1`,
  insertAlert:
    "INSERT INTO alerts (id, project_id, rule_id, condition_key, fired_at, payload) VALUES ($1, $2, $3, $4, $5, $6)",
  insertDelivery: `INSERT INTO alert_deliveries (id, project_id, alert_id, rule_id, channel, status, attempts, next_attempt_at, created_at)
    VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)`,
  // SKIP LOCKED: processes leasing at once take different rows instead of waiting on each other.
  lease: `UPDATE alert_deliveries SET lease_until = $2 WHERE id IN (
      SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 AND lease_until <= $1
      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
    RETURNING *, (SELECT payload FROM alerts a WHERE a.id = alert_id) AS payload`,
  finish: `UPDATE alert_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, last_status_code = $4,
    last_error = $5, delivered_at = $6, lease_until = 0 WHERE id = $7`,
  alerts: "SELECT * FROM alerts WHERE project_id = $1 ORDER BY fired_at DESC, id DESC LIMIT $2",
  alertsOfRule:
    "SELECT * FROM alerts WHERE project_id = $1 AND rule_id = $2 ORDER BY fired_at DESC, id DESC LIMIT $3",
  deliveriesOf:
    "SELECT * FROM alert_deliveries WHERE project_id = $1 AND alert_id = ANY($2::text[]) ORDER BY created_at, id",
} as const;

/** Alert rules, cooldowns, fired alerts and deliveries in Postgres, shared by every process. */
export class PostgresAlerts implements AlertStore {
  constructor(private readonly db: PgClient) {}

  private async q(name: keyof typeof SQL, values: unknown[], db?: Queryable): Promise<Row[]> {
    return (await this.db.run(`alerts_${name}`, SQL[name], values, db)).rows as Row[];
  }

  async createAlertRule(projectId: string, input: NewAlertRule): Promise<AlertRule> {
    const now = nowIso();
    const rule: AlertRule = { id: newId("alr"), projectId, createdAt: now, updatedAt: now, ...input };
    await this.q("insertRule", [
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
    ]);
    return rule;
  }

  async updateAlertRule(projectId: string, id: string, input: NewAlertRule): Promise<AlertRule | null> {
    const row = (
      await this.q("updateRule", [
        input.name,
        input.kind,
        input.enabled ? 1 : 0,
        JSON.stringify(input.params),
        JSON.stringify(input.channels),
        input.cooldownSeconds,
        nowIso(),
        projectId,
        id,
      ])
    )[0];
    return row ? toAlertRule(row) : null;
  }

  async deleteAlertRule(projectId: string, id: string): Promise<boolean> {
    return ((await this.db.run("alerts_deleteRule", SQL.deleteRule, [projectId, id])).rowCount ?? 0) > 0;
  }

  async getAlertRule(projectId: string, id: string): Promise<AlertRule | null> {
    const row = (await this.q("rule", [projectId, id]))[0];
    return row ? toAlertRule(row) : null;
  }

  async listAlertRules(projectId: string): Promise<AlertRule[]> {
    return (await this.q("rules", [projectId])).map(toAlertRule);
  }

  async enabledAlertRules(kind: AlertKind): Promise<AlertRule[]> {
    return (await this.q("enabledOfKind", [kind])).map(toAlertRule);
  }

  async fireAlert(
    projectId: string,
    input: FireAlertInput,
  ): Promise<{ alert: FiredAlert; deliveries: AlertDelivery[] } | null> {
    return this.db.transaction(async (client) => {
      const claimed = await this.q(
        "claim",
        [input.ruleId, input.conditionKey, projectId, input.now, input.now - input.cooldownMs],
        client,
      );
      if (claimed.length === 0) return null;
      const alert: FiredAlert = {
        id: input.id,
        projectId,
        ruleId: input.ruleId,
        conditionKey: input.conditionKey,
        firedAt: input.now,
        payload: input.payload,
      };
      await this.q(
        "insertAlert",
        [alert.id, projectId, alert.ruleId, alert.conditionKey, alert.firedAt, alert.payload],
        client,
      );
      const deliveries: AlertDelivery[] = [];
      for (const channel of input.channels) {
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
        await this.q(
          "insertDelivery",
          [d.id, projectId, d.alertId, d.ruleId, JSON.stringify(channel), d.nextAttemptAt, d.createdAt],
          client,
        );
        deliveries.push(d);
      }
      return { alert, deliveries };
    });
  }

  async leaseDueDeliveries(now: number, leaseMs: number, limit: number): Promise<AlertDelivery[]> {
    const rows = (await this.q("lease", [now, now + leaseMs, limit])).map((r) => ({
      ...toDelivery(r),
      payload: r.payload as string,
    }));
    return rows.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async finishDeliveryAttempt(id: string, a: DeliveryAttempt): Promise<void> {
    await this.q("finish", [
      a.status,
      a.attempts,
      a.nextAttemptAt,
      a.lastStatusCode,
      a.lastError,
      a.deliveredAt,
      id,
    ]);
  }

  async listAlerts(projectId: string, query: { ruleId?: string; limit: number }) {
    const alerts = (
      query.ruleId !== undefined
        ? await this.q("alertsOfRule", [projectId, query.ruleId, query.limit])
        : await this.q("alerts", [projectId, query.limit])
    ).map(toFiredAlert);
    const deliveries = alerts.length
      ? (await this.q("deliveriesOf", [projectId, alerts.map((a) => a.id)])).map(toDelivery)
      : [];
    return alerts.map((a) => ({ ...a, deliveries: deliveries.filter((d) => d.alertId === a.id) }));
  }
}
