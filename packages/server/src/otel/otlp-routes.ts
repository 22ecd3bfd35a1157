import { EVENT_LIMITS } from "@trusera/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../app-context.js";
import { requireRole } from "../auth/authenticate.js";
import { ApiError } from "../errors.js";
import { timeParam } from "../routes/common.js";
import { OtlpForwarder } from "./forwarder.js";
import { decodeTraces, inflate, JSON_TYPE, PROTOBUF, TRACE_SERVICE } from "./otlp-body.js";
import { spansToEvents } from "./span-event.js";
import { traceTree } from "./trace-tree.js";

const { ExportTraceServiceResponse } = TRACE_SERVICE;

function mediaType(request: FastifyRequest): string {
  return String(request.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
}

const WRONG_TYPE = `send OTLP traces with Content-Type: ${PROTOBUF} or ${JSON_TYPE}`;

/**
 * OTLP/HTTP trace ingest (`POST /v1/traces`, the path every OTLP exporter appends) and the trace tree
 * of what it stored. Spans become events through the one ingest service: same validation, redaction,
 * limits, agents and live stream as every SDK's events.
 */
export async function otlpRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  if (ctx.config.otlpForward) {
    const forwarder = new OtlpForwarder(ctx.config.otlpForward, app.log);
    forwarder.start(ctx.bus);
    app.addHook("onClose", async () => forwarder.stop());
  }
  // This scope reads bodies as bytes: protobuf or JSON, maybe gzipped; decoded in the handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([PROTOBUF, JSON_TYPE], { parseAs: "buffer" }, (_request, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser("*", (_request, _payload, done) =>
    done(new ApiError(415, "unsupported_media_type", WRONG_TYPE), undefined),
  );

  app.post(
    "/v1/traces",
    {
      schema: {
        summary: "OTLP/HTTP trace export (protobuf or JSON, gzip): GenAI spans become events",
        tags: ["otel"],
      },
    },
    async (request, reply) => {
      const p = requireRole(request, "ingest");
      const type = mediaType(request);
      if (!Buffer.isBuffer(request.body) || (type !== PROTOBUF && type !== JSON_TYPE))
        throw new ApiError(415, "unsupported_media_type", WRONG_TYPE);
      const encoding = request.headers["content-encoding"];
      const body = inflate(
        request.body,
        typeof encoding === "string" ? encoding : undefined,
        ctx.config.bodyLimit,
      );
      const { events, dropped } = spansToEvents(decodeTraces(body, type));
      // An export holds up to 512 spans by default, but may hold more: stored a batch at a time. Event ids
      // come from span ids, so an exporter's retry after a partial failure stores no copies.
      for (let i = 0; i < events.length; i += EVENT_LIMITS.maxBatchEvents) {
        await ctx.ingest.ingest(p.projectId, { events: events.slice(i, i + EVENT_LIMITS.maxBatchEvents) });
      }
      // OTLP's partial success: spans deliberately not kept are reported, not failed (a 4xx would make the
      // exporter drop the whole batch, GenAI spans included).
      const partial =
        dropped > 0
          ? {
              rejectedSpans: dropped,
              errorMessage: `${dropped} span(s) are neither GenAI nor HTTP client spans and were not stored`,
            }
          : null;
      if (type === PROTOBUF) {
        const message = ExportTraceServiceResponse.fromObject(partial ? { partialSuccess: partial } : {});
        return reply.type(PROTOBUF).send(Buffer.from(ExportTraceServiceResponse.encode(message).finish()));
      }
      return partial ? { partialSuccess: { ...partial, rejectedSpans: String(dropped) } } : {};
    },
  );

  app.get<{ Params: { trace_id: string }; Querystring: { since?: string; until?: string } }>(
    "/api/v1/traces/:trace_id",
    {
      schema: {
        summary: "The events of one OTLP trace as a tree of spans (one agent run)",
        tags: ["otel"],
        params: {
          type: "object",
          required: ["trace_id"],
          properties: { trace_id: { type: "string", pattern: "^[0-9a-fA-F]{32}$" } },
        },
        querystring: {
          type: "object",
          properties: { since: { type: "string", maxLength: 64 }, until: { type: "string", maxLength: 64 } },
        },
      },
    },
    async (request) => {
      // Reading events is an admin's, as GET /api/v1/events: an ingest key only writes.
      const p = requireRole(request, "admin");
      const traceId = request.params.trace_id.toLowerCase();
      const since = timeParam("since", request.query.since);
      const until = timeParam("until", request.query.until);
      const events = await ctx.store.listEvents(p.projectId, {
        traceId,
        limit: EVENT_LIMITS.maxBatchEvents,
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      });
      if (events.length === 0) throw new ApiError(404, "not_found", `no events of trace ${traceId}`);
      return traceTree(traceId, events, EVENT_LIMITS.maxBatchEvents);
    },
  );
}
