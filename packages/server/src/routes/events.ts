import { EVENT_TYPES, parseTimestamp } from "@trusera/core";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { badRequest } from "../errors.js";
import { decodeCursor, encodeCursor, eventJson } from "./event-json.js";

interface ListQuery {
  agent_id?: string;
  type?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !IDEMPOTENCY_KEY.test(value)) {
    throw badRequest("Idempotency-Key must be 1 to 200 visible ASCII characters");
  }
  return value;
}

function timeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = parseTimestamp(value);
  if (!t)
    throw badRequest(
      `${name} must be an ISO-8601 date-time or a number of seconds, ms or µs since the epoch`,
    );
  return t.micros;
}

export async function eventRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: { events: unknown[]; dropped?: number } }>(
    "/api/v1/events/batch",
    {
      schema: {
        summary: "Store a batch of events; an event id already stored is counted as a duplicate",
        headers: { type: "object", properties: { "idempotency-key": { type: "string" } } },
        body: {
          type: "object",
          required: ["events"],
          properties: {
            events: { type: "array", items: { type: "object" } },
            dropped: { type: "integer", minimum: 0 },
          },
        },
        response: {
          200: {
            type: "object",
            properties: { accepted: { type: "integer" }, duplicates: { type: "integer" } },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const idempotencyKey = idempotencyKeyOf(request.headers["idempotency-key"]);
      return ctx.ingest.ingest(p.projectId, {
        events: request.body.events,
        ...(request.body.dropped !== undefined ? { dropped: request.body.dropped } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    },
  );

  app.get<{ Querystring: ListQuery }>(
    "/api/v1/events",
    {
      schema: {
        summary: "List events, newest first, one page at a time",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            agent_id: { type: "string", minLength: 1 },
            type: { type: "string", enum: [...EVENT_TYPES] },
            since: { type: "string" },
            until: { type: "string" },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: "string", maxLength: 400 },
          },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const q = request.query;
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (after === null) throw badRequest("cursor is not one this server gave out");
      let agentId: string | undefined;
      if (q.agent_id !== undefined) {
        const agent = await ctx.store.findAgent(p.projectId, q.agent_id);
        // An unknown agent has no events; answer an empty page rather than reveal anything.
        if (!agent) return { events: [], next_cursor: null };
        agentId = agent.id;
      }
      const limit = q.limit ?? 100;
      const since = timeParam("since", q.since);
      const until = timeParam("until", q.until);
      const rows = await ctx.store.listEvents(p.projectId, {
        limit,
        ...(agentId !== undefined ? { agentId } : {}),
        ...(q.type !== undefined ? { type: q.type } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(after ? { after } : {}),
      });
      const last = rows.at(-1);
      return {
        events: rows.map(eventJson),
        next_cursor: rows.length === limit && last ? encodeCursor(last) : null,
      };
    },
  );
}
