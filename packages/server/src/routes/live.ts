import { EVENT_TYPES } from "@trusera/core";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { agentJson } from "./agent-json.js";
import { NO_NUL } from "./common.js";

const MINUTE_US = 60_000_000;

/** What the dashboard reads besides the plain lists: the live stream and the overview's figures. */
export async function liveRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: { agent_id?: string; type?: string; decision?: string } }>(
    "/api/v1/events/stream",
    {
      schema: {
        summary:
          "Server-sent events: `event: events` with a JSON array of newly stored events, filtered by agent, type and decision",
        tags: ["events"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            agent_id: { type: "string", minLength: 1, maxLength: 256, pattern: NO_NUL },
            type: { type: "string", enum: [...EVENT_TYPES] },
            decision: { type: "string", enum: ["allow", "deny", "warn", "none", "violation"] },
          },
        },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "admin");
      const q = request.query;
      let agentId: string | undefined;
      if (q.agent_id !== undefined) {
        // An unknown (or foreign) agent: a stream that stays empty, revealing nothing.
        agentId = (await ctx.store.findAgent(p.projectId, q.agent_id))?.id ?? "agt_none";
      }
      ctx.streams.open(request, reply, p.projectId, {
        ...(agentId !== undefined ? { agentId } : {}),
        ...(q.type !== undefined ? { type: q.type } : {}),
        ...(q.decision !== undefined ? { decision: q.decision } : {}),
      });
    },
  );

  app.get<{ Querystring: { minutes?: number } }>(
    "/api/v1/overview",
    {
      schema: {
        summary:
          "Events per time bucket by type, violations (deny or warn) per bucket, and each agent's counts, over the last `minutes`",
        tags: ["dashboard"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { minutes: { type: "integer", minimum: 5, maximum: 43_200, default: 60 } },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const minutes = request.query.minutes ?? 60;
      // About 60 to 120 points whatever the window: a minute each for the last hour.
      const bucketMinutes = Math.max(1, Math.floor(minutes / 60));
      const bucketMicros = bucketMinutes * MINUTE_US;
      const now = Date.now() * 1000;
      const until = (Math.floor(now / bucketMicros) + 1) * bucketMicros;
      const since = until - Math.ceil(minutes / bucketMinutes) * bucketMicros;
      const [buckets, counts, agents] = await Promise.all([
        ctx.store.eventHistogram(p.projectId, { since, until, bucketMicros }),
        ctx.store.countEventsByAgent(p.projectId, { since, until }),
        ctx.store.listAgents(p.projectId, { limit: 1000 }),
      ]);
      const times: number[] = [];
      for (let t = since; t < until; t += bucketMicros) times.push(t / 1000);
      const byType: Record<string, number[]> = {};
      const violations = new Array<number>(times.length).fill(0);
      let total = 0;
      let violationTotal = 0;
      for (const b of buckets) {
        const i = Math.round((b.bucket - since) / bucketMicros);
        if (i < 0 || i >= times.length) continue;
        byType[b.type] ??= new Array<number>(times.length).fill(0);
        byType[b.type]![i]! += b.count;
        total += b.count;
        if (b.decision === "deny" || b.decision === "warn") {
          violations[i]! += b.count;
          violationTotal += b.count;
        }
      }
      const countOf = new Map(counts.map((c) => [c.agentId, c]));
      return {
        window: {
          since: new Date(since / 1000).toISOString(),
          until: new Date(until / 1000).toISOString(),
          bucket_seconds: bucketMinutes * 60,
        },
        totals: { events: total, violations: violationTotal, agents: agents.length },
        series: { times, by_type: byType, violations },
        agents: agents
          .map((a) => ({
            ...agentJson(a),
            events: countOf.get(a.id)?.events ?? 0,
            violations: countOf.get(a.id)?.violations ?? 0,
          }))
          .sort((x, y) => String(y.last_seen_at ?? "").localeCompare(String(x.last_seen_at ?? ""))),
      };
    },
  );
}
