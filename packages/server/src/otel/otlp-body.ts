import { gunzipSync } from "node:zlib";
// The official OTLP protobuf definitions as compiled by @opentelemetry/otlp-transformer (protobufjs).
// Pinned to 0.214.0, the last release that ships them and runs on Node 20 (later ones need Node 22).
import * as generated from "@opentelemetry/otlp-transformer/build/src/generated/root.js";
import { ApiError } from "../errors.js";
import { jsonTooDeepAt, MAX_JSON_DEPTH } from "../http/json-body.js";

/** One attribute value as OTLP carries it (`AnyValue`), in either encoding. */
export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number | { toString(): string };
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string | Uint8Array;
}
export interface KeyValue {
  key?: string;
  value?: AnyValue;
}

/** A span with ids as lower-case hex and times as decimal nanoseconds, whichever encoding it came in. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
}

export interface OtlpResourceSpans {
  resource: Record<string, unknown>;
  scope: string;
  spans: OtlpSpan[];
}

interface Message {
  decode(buf: Uint8Array): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  fromObject(o: object): unknown;
}
interface Root {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: Message; ExportTraceServiceResponse: Message } };
      };
    };
  };
}
/** The trace service's request and response messages (CommonJS, so ESM may see it under `default`). */
export const TRACE_SERVICE = (
  (generated as unknown as { default?: Root }).default ?? (generated as unknown as Root)
).opentelemetry.proto.collector.trace.v1;
const { ExportTraceServiceRequest } = TRACE_SERVICE;

export const PROTOBUF = "application/x-protobuf";
export const JSON_TYPE = "application/json";

function malformed(message: string): ApiError {
  return new ApiError(400, "otlp_malformed", message);
}

/** Undoes `Content-Encoding: gzip`, bounded by the body limit (a small bomb must not expand without end). */
export function inflate(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const enc = (encoding ?? "identity").trim().toLowerCase();
  if (enc === "identity" || enc === "") return body;
  if (enc !== "gzip")
    throw new ApiError(
      415,
      "unsupported_content_encoding",
      `Content-Encoding ${enc} is not supported; send gzip or none`,
    );
  try {
    return gunzipSync(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      throw new ApiError(
        413,
        "payload_too_large",
        `request body is larger than the limit of ${limit} bytes once decompressed`,
      );
    throw malformed(`request body is not valid gzip: ${(err as Error).message}`);
  }
}

/** Flattens OTLP attributes to plain values (arrays and maps kept as arrays and objects). */
export function attributesOf(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list as KeyValue[]) {
    if (kv && typeof kv.key === "string" && kv.key !== "__proto__") out[kv.key] = anyValue(kv.value, 0);
  }
  return out;
}

// Decoded protobuf messages hold null (on the prototype) for unset fields, OTLP/JSON leaves them out:
// `!= null` reads both. 64-bit integers are Long objects in the first, text or numbers in the second.
function anyValue(v: AnyValue | undefined, depth: number): unknown {
  if (!v || typeof v !== "object" || depth > 8) return null;
  if (v.stringValue != null) return String(v.stringValue);
  if (v.boolValue != null) return Boolean(v.boolValue);
  if (v.intValue != null) {
    const text = String(v.intValue);
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (v.doubleValue != null) return Number(v.doubleValue);
  if (v.arrayValue != null) return (v.arrayValue.values ?? []).map((x) => anyValue(x, depth + 1));
  if (v.kvlistValue != null) return attributesOf(v.kvlistValue.values);
  if (v.bytesValue != null)
    return typeof v.bytesValue === "string"
      ? v.bytesValue
      : Buffer.from(v.bytesValue as Uint8Array).toString("base64");
  return null;
}

const HEX = /^[0-9a-f]*$/;

/** An id as hex: protobuf gives bytes, OTLP/JSON gives hex. */
function idOf(raw: unknown, bytes: number, field: string, required: boolean): string {
  let hex = "";
  if (typeof raw === "string") hex = raw.toLowerCase();
  else if (raw instanceof Uint8Array)
    hex = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("hex");
  if (hex === "" && !required) return "";
  if (hex.length !== bytes * 2 || !HEX.test(hex) || /^0+$/.test(hex))
    throw malformed(`${field} must be ${bytes} bytes (${bytes * 2} hex characters), not all zero`);
  return hex;
}

function nanosOf(raw: unknown, field: string): string {
  const text = raw === undefined || raw === null ? "0" : String(raw);
  if (!/^\d{1,20}$/.test(text)) throw malformed(`${field} must be a whole number of nanoseconds`);
  return text;
}

interface RawSpan {
  traceId?: unknown;
  spanId?: unknown;
  parentSpanId?: unknown;
  name?: unknown;
  kind?: unknown;
  startTimeUnixNano?: unknown;
  endTimeUnixNano?: unknown;
  attributes?: unknown;
  status?: { code?: unknown; message?: unknown };
}
interface RawScopeSpans {
  scope?: { name?: unknown };
  spans?: unknown;
}
interface RawResourceSpans {
  resource?: { attributes?: unknown };
  scopeSpans?: unknown;
}

function listOf<T>(v: unknown, field: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw malformed(`${field} must be an array`);
  return v as T[];
}

function spansOf(request: unknown): OtlpResourceSpans[] {
  if (!request || typeof request !== "object" || Array.isArray(request))
    throw malformed("body must be an ExportTraceServiceRequest object");
  const rs = (request as { resourceSpans?: unknown }).resourceSpans;
  if (rs === undefined) return [];
  if (!Array.isArray(rs)) throw malformed("resourceSpans must be an array");
  const out: OtlpResourceSpans[] = [];
  for (const r of rs as (RawResourceSpans | null)[]) {
    const resource = attributesOf(r?.resource?.attributes);
    for (const ss of listOf<RawScopeSpans | null>(r?.scopeSpans, "scopeSpans")) {
      const scope = typeof ss?.scope?.name === "string" ? ss.scope.name : "";
      const spans: OtlpSpan[] = [];
      for (const s of listOf<RawSpan | null>(ss?.spans, "spans")) {
        if (!s || typeof s !== "object") throw malformed("a span must be an object");
        spans.push({
          traceId: idOf(s.traceId, 16, "traceId", true),
          spanId: idOf(s.spanId, 8, "spanId", true),
          parentSpanId: idOf(s.parentSpanId, 8, "parentSpanId", false),
          name: typeof s.name === "string" ? s.name : "",
          kind: Number(s.kind ?? 0) || 0,
          startTimeUnixNano: nanosOf(s.startTimeUnixNano, "startTimeUnixNano"),
          endTimeUnixNano: nanosOf(s.endTimeUnixNano, "endTimeUnixNano"),
          attributes: attributesOf(s.attributes),
          status: { code: Number(s.status?.code ?? 0) || 0, message: String(s.status?.message ?? "") },
        });
      }
      out.push({ resource, scope, spans });
    }
  }
  return out;
}

/** Reads an OTLP/HTTP trace export body (already inflated) in its protobuf or JSON encoding. */
export function decodeTraces(body: Buffer, contentType: string): OtlpResourceSpans[] {
  if (contentType === PROTOBUF) {
    let message: unknown;
    try {
      message = ExportTraceServiceRequest.decode(body);
    } catch (err) {
      throw malformed(
        `request body is not a valid OTLP protobuf ExportTraceServiceRequest: ${(err as Error).message}`,
      );
    }
    // Read as decoded: a toObject copy cost a third of the time of an export.
    return spansOf(message);
  }
  const text = body.toString("utf8");
  const at = jsonTooDeepAt(text, MAX_JSON_DEPTH);
  if (at >= 0)
    throw new ApiError(
      400,
      "json_too_deep",
      `request body nests deeper than ${MAX_JSON_DEPTH} levels (at character ${at})`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, "malformed_json", `request body is not valid JSON: ${(err as Error).message}`);
  }
  return spansOf(parsed);
}
