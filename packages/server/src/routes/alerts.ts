import type { FastifyInstance } from "fastify";
import { ALERT_RULE_BODY, type AlertRuleBody, ruleFromBody, ruleJson } from "../alerts/rule-input.js";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { badRequest, notFound } from "../errors.js";
import type { AlertDelivery, FiredAlert } from "../store/types.js";
import { ID_PARAMS } from "./common.js";

const deliveryJson = (d: AlertDelivery) => ({
  id: d.id,
  channel: { type: d.channel.type, url: d.channel.url },
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: d.status === "pending" ? new Date(d.nextAttemptAt).toISOString() : null,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  created_at: new Date(d.createdAt).toISOString(),
  delivered_at: d.deliveredAt === null ? null : new Date(d.deliveredAt).toISOString(),
});

const alertJson = (a: FiredAlert & { deliveries: AlertDelivery[] }) => ({
  id: a.id,
  rule_id: a.ruleId,
  condition: a.conditionKey,
  fired_at: new Date(a.firedAt).toISOString(),
  payload: JSON.parse(a.payload) as unknown,
  deliveries: a.deliveries.map(deliveryJson),
});

/** Alert rules of the caller's project, and the alerts they fired with each delivery's history (admin). */
export async function alertRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  async function agentOf(projectId: string, ref: string | undefined): Promise<string | undefined> {
    if (ref === undefined) return undefined;
    const agent = await ctx.store.findAgent(projectId, ref);
    if (!agent) throw badRequest(`agent ${ref} not found`);
    return agent.id;
  }

  app.post<{ Body: AlertRuleBody }>(
    "/api/v1/alerts/rules",
    {
      schema: {
        summary:
          "Create an alert rule: violation, rate (of a type above a threshold per window), silent (agent quiet for N minutes) or match (agent/type/name)",
        tags: ["alerts"],
        body: ALERT_RULE_BODY,
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "admin");
      const input = ruleFromBody(request.body, await agentOf(p.projectId, request.body.agent_id));
      const rule = await ctx.store.alerts.createAlertRule(p.projectId, input);
      ctx.alertEngine.invalidate(p.projectId);
      return reply.code(201).send(ruleJson(rule));
    },
  );

  app.get(
    "/api/v1/alerts/rules",
    { schema: { summary: "List alert rules", tags: ["alerts"] } },
    async (request) => {
      const p = requireRole(request, "admin");
      return { rules: (await ctx.store.alerts.listAlertRules(p.projectId)).map(ruleJson) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/alerts/rules/:id",
    { schema: { summary: "One alert rule", tags: ["alerts"], params: ID_PARAMS } },
    async (request) => {
      const p = requireRole(request, "admin");
      const rule = await ctx.store.alerts.getAlertRule(p.projectId, request.params.id);
      if (!rule) throw notFound(`alert rule ${request.params.id}`);
      return ruleJson(rule);
    },
  );

  app.put<{ Params: { id: string }; Body: AlertRuleBody }>(
    "/api/v1/alerts/rules/:id",
    {
      schema: {
        summary: "Replace an alert rule's settings (a webhook sent without its secret keeps it)",
        tags: ["alerts"],
        params: ID_PARAMS,
        body: ALERT_RULE_BODY,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const previous = await ctx.store.alerts.getAlertRule(p.projectId, request.params.id);
      if (!previous) throw notFound(`alert rule ${request.params.id}`);
      const input = ruleFromBody(request.body, await agentOf(p.projectId, request.body.agent_id), previous);
      const rule = await ctx.store.alerts.updateAlertRule(p.projectId, request.params.id, input);
      if (!rule) throw notFound(`alert rule ${request.params.id}`);
      ctx.alertEngine.invalidate(p.projectId);
      return ruleJson(rule);
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/v1/alerts/rules/:id",
    {
      schema: {
        summary: "Delete an alert rule (its alerts and deliveries stay)",
        tags: ["alerts"],
        params: ID_PARAMS,
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      if (!(await ctx.store.alerts.deleteAlertRule(p.projectId, request.params.id)))
        throw notFound(`alert rule ${request.params.id}`);
      ctx.alertEngine.invalidate(p.projectId);
      return { deleted: request.params.id };
    },
  );

  app.get<{ Querystring: { rule_id?: string; limit?: number } }>(
    "/api/v1/alerts",
    {
      schema: {
        summary: "Fired alerts, newest first, each with its deliveries (status, attempts, last error)",
        tags: ["alerts"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            rule_id: { type: "string", minLength: 1, maxLength: 256 },
            limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const alerts = await ctx.store.alerts.listAlerts(p.projectId, {
        limit: request.query.limit ?? 50,
        ...(request.query.rule_id !== undefined ? { ruleId: request.query.rule_id } : {}),
      });
      return { alerts: alerts.map(alertJson) };
    },
  );
}
