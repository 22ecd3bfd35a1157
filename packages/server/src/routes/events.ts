import { EVENT_TYPES } from "@trusera/core";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { fromTsV1Event } from "../dialects/ts-v1.js";
import { badRequest, notFound } from "../errors.js";
import type { EventQuery } from "../store/types.js";
import {
  BATCH_BODY_PROPERTIES,
  ID_PARAMS,
  INGEST_RESULT,
  idempotencyKeyOf,
  NO_NUL,
  PAGE_LIMIT,
  timeParam,
} from "./common.js";
import { decodeCursor, encodeCursor, eventJson } from "./event-json.js";

interface FilterQuery {
  agent_id?: string;
  type?: string;
  decision?: string;
  since?: string;
  until?: string;
  q?: string;
}

interface ListQuery extends FilterQuery {
  limit?: number;
  cursor?: string;
}

const FILTER_PROPERTIES = {
  agent_id: { type: "string", minLength: 1, maxLength: 256, pattern: NO_NUL },
  type: { type: "string", enum: [...EVENT_TYPES] },
  decision: { type: "string", enum: ["allow", "deny", "warn", "none", "violation"] },
  since: { type: "string", maxLength: 64 },
  until: { type: "string", maxLength: 64 },
  /** Search: the name or payload contains this text, case-insensitively. */
  q: { type: "string", minLength: 1, maxLength: 200, pattern: NO_NUL },
} as const;

export async function eventRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  /** The filters of a query, with the agent resolved; null when it names an agent the project lacks. */
  async function filters(projectId: string, q: FilterQuery): Promise<Omit<EventQuery, "limit"> | null> {
    let agentId: string | undefined;
    if (q.agent_id !== undefined) {
      const agent = await ctx.store.findAgent(projectId, q.agent_id);
      // An unknown (or foreign) agent has no events: answer empty rather than reveal anything.
      if (!agent) return null;
      agentId = agent.id;
    }
    const since = timeParam("since", q.since);
    const until = timeParam("until", q.until);
    return {
      ...(agentId !== undefined ? { agentId } : {}),
      ...(q.type !== undefined ? { type: q.type } : {}),
      ...(q.decision !== undefined ? { decision: q.decision } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(q.q !== undefined && q.q.trim() !== "" ? { text: q.q.trim() } : {}),
    };
  }

  app.post<{ Body: { events: unknown[]; dropped?: number } }>(
    "/api/v1/events/batch",
    {
      schema: {
        summary: "Store a batch of events; an event id already stored is counted as a duplicate",
        tags: ["events"],
        headers: { type: "object", properties: { "idempotency-key": { type: "string" } } },
        body: { type: "object", required: ["events"], properties: BATCH_BODY_PROPERTIES },
        response: { 200: INGEST_RESULT },
      },
    },
    async (request) => {
      const p = requireRole(request, "ingest");
      const idempotencyKey = idempotencyKeyOf(request.headers["idempotency-key"]);
      return ctx.ingest.ingest(p.projectId, {
        // What the published TypeScript SDK 1.x sends differently (dialects/ts-v1.ts).
        events: request.body.events.map(fromTsV1Event),
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
        tags: ["events"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { ...FILTER_PROPERTIES, limit: PAGE_LIMIT, cursor: { type: "string", maxLength: 400 } },
        },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const q = request.query;
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (after === null) throw badRequest("cursor is not one this server gave out");
      const f = await filters(p.projectId, q);
      if (!f) return { events: [], next_cursor: null };
      const limit = q.limit ?? 100;
      const rows = await ctx.store.listEvents(p.projectId, { ...f, limit, ...(after ? { after } : {}) });
      const last = rows.at(-1);
      return {
        events: rows.map(eventJson),
        next_cursor: rows.length === limit && last ? encodeCursor(last) : null,
      };
    },
  );

  app.get<{ Querystring: FilterQuery }>(
    "/api/v1/events/summary",
    {
      schema: {
        summary: "Count events by type and decision (same filters as the list)",
        tags: ["events"],
        querystring: { type: "object", additionalProperties: false, properties: FILTER_PROPERTIES },
      },
    },
    async (request) => {
      const p = requireRole(request, "admin");
      const f = await filters(p.projectId, request.query);
      const counts = f ? await ctx.store.summarizeEvents(p.projectId, f) : [];
      return { total: counts.reduce((sum, c) => sum + c.count, 0), counts };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v1/events/:id",
    { schema: { summary: "One event", tags: ["events"], params: ID_PARAMS } },
    async (request) => {
      const p = requireRole(request, "admin");
      const event = await ctx.store.getEvent(p.projectId, request.params.id.toLowerCase());
      if (!event) throw notFound(`event ${request.params.id}`);
      return eventJson(event);
    },
  );
}
