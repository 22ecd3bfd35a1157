import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { ConfigurationError, parseTimestamp, redactText, scrubSecrets, spanOf } from "@trusera/core";
import { clientInternals, type EventInput, TruseraClient } from "../client/client.js";

export interface OtelExportOptions {
  /** The tracer spans are made with. Default: `trace.getTracer("trusera-sdk")` of the application's global provider. */
  tracer?: Tracer;
  /**
   * `"also"` (default): events go to the Trusera server and become spans. `"only"`: they become spans
   * and the client sends nothing (no server needed).
   */
  mode?: "also" | "only";
}

/** What `exportToOtel` returns: stops the export and counts what it did. */
export interface OtelExport {
  /** Spans made so far. */
  readonly spans: number;
  /** Events that could not be made into a span (logged at debug level; never thrown). */
  readonly failed: number;
  /** Puts the client's `track` back as it was. */
  stop(): void;
}

const exporting = new WeakSet<TruseraClient>();

function durationMs(payload: Record<string, unknown>): number {
  const d = payload.duration_ms;
  return typeof d === "number" && Number.isFinite(d) && d >= 0 ? d : 0;
}

/**
 * Makes every event the client tracks (by `track`, the integrations and guards) an OpenTelemetry
 * span too, through the application's OTel SDK: GenAI semantic conventions, the decision and policy
 * ids as `trusera.*` attributes, parented to the span active where the event was tracked. The span
 * ends when the event is tracked and starts `duration_ms` before. Secrets are redacted as the
 * Trusera server would get them. Events of the HTTP interceptor's event thread do not pass through
 * `track` and are not exported (the application's own HTTP instrumentation sees those calls).
 */
export function exportToOtel(client: TruseraClient, options: OtelExportOptions = {}): OtelExport {
  if (!(client instanceof TruseraClient))
    throw new ConfigurationError("exportToOtel needs a TruseraClient as its first argument");
  if (options.mode !== undefined && options.mode !== "also" && options.mode !== "only")
    throw new ConfigurationError(`exportToOtel: mode must be "also" or "only", got ${String(options.mode)}`);
  if (exporting.has(client))
    throw new ConfigurationError(
      "exportToOtel: this client already exports its events; stop() that export first",
    );
  const tracer = options.tracer ?? trace.getTracer("trusera-sdk");
  const forward = options.mode !== "only";
  const internals = clientInternals(client);
  const original = client.track;
  let spans = 0;
  let failed = 0;
  const track = (event: EventInput): void => {
    if (forward) original.call(client, event);
    let span: Span | undefined;
    try {
      const payload = scrubSecrets((event.payload ?? {}) as Record<string, unknown>);
      const metadata = scrubSecrets((event.metadata ?? {}) as Record<string, unknown>);
      const {
        name,
        attributes,
        client: isClient,
      } = spanOf({
        type: String(event.type),
        name: redactText(String(event.name)),
        payload,
        metadata,
        id: event.id,
        agentId: event.agent_id ?? internals.agentName(),
      });
      const endMs = event.timestamp
        ? (parseTimestamp(event.timestamp)?.micros ?? Date.now() * 1000) / 1000
        : Date.now();
      span = tracer.startSpan(
        name,
        {
          kind: isClient ? SpanKind.CLIENT : SpanKind.INTERNAL,
          startTime: endMs - durationMs(payload),
          attributes,
        },
        context.active(),
      );
      if (payload.status === "error" || payload.status === "blocked" || event.type === "policy_violation")
        span.setStatus({
          code: SpanStatusCode.ERROR,
          ...(typeof payload.error === "string" ? { message: redactText(payload.error) } : {}),
        });
      span.end(endMs);
      spans++;
    } catch (err) {
      failed++;
      try {
        span?.end();
      } catch {}
      // Telemetry never throws into the application.
      try {
        internals.logger.debug(
          `could not export ${String(event?.type)} as a span: ${(err as Error)?.message}`,
        );
      } catch {}
    }
  };
  Object.defineProperty(client, "track", { value: track, configurable: true, writable: true });
  exporting.add(client);
  return {
    get spans() {
      return spans;
    },
    get failed() {
      return failed;
    },
    stop() {
      if (client.track === track) delete (client as { track?: unknown }).track;
      exporting.delete(client);
    },
  };
}
