// OTLP/JSON exports for the OTel ingest tests: spans of one trace with GenAI (or any) attributes.

export const TRACE = "5b8efff798038103d269b633813fc60c";

export const spanJson = (
  spanId: string,
  attrs: Record<string, string | number>,
  parent?: string,
  kind = 1,
  trace = TRACE,
) => ({
  traceId: trace,
  spanId,
  ...(parent ? { parentSpanId: parent } : {}),
  name: String(attrs["gen_ai.operation.name"] ?? "span"),
  kind,
  startTimeUnixNano: "1765000000000000000",
  endTimeUnixNano: "1765000000250000000",
  attributes: Object.entries(attrs).map(([key, v]) => ({
    key,
    value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v },
  })),
});
export const exportJson = (agent: string, spans: object[]) =>
  JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: agent } }] },
        scopeSpans: [{ scope: { name: "t" }, spans }],
      },
    ],
  });
