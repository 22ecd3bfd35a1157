import type { DecisionCore } from "../interceptor/decision-core.js";
import type { CallRecord } from "../interceptor/events.js";

// undici's dispatch handler, in its two shapes: the callbacks of undici <= 6 (and of Node 20 and 22's
// bundled copy), and the controller-based ones undici 7 added. Typed loosely: the package is optional.
type Fn = (...args: unknown[]) => unknown;
export type DispatchHandler = Record<string, Fn | undefined>;

/** Raw undici headers (`[name, value, ...]` as Buffers or strings) or an object: the one named. */
function headerValue(raw: unknown, name: string): string | undefined {
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (String(raw[i]).toLowerCase() === name) return String(raw[i + 1]);
    }
    return undefined;
  }
  if (raw && typeof raw === "object") {
    const v = (raw as Record<string, unknown>)[name];
    return v === undefined ? undefined : Array.isArray(v) ? v.join(", ") : String(v);
  }
  return undefined;
}

function finishSafely(core: DecisionCore, record: CallRecord, error?: unknown): void {
  try {
    core.finish(record, error);
  } catch {}
}

/**
 * Observes one dispatch through the callbacks of undici <= 6: counts the bytes each way, takes the
 * status, and finishes the record on completion, error or upgrade. Forwards every callback unchanged.
 */
export class ObservingHandler {
  readonly #h: DispatchHandler;
  readonly #core: DecisionCore;
  readonly #record: CallRecord;

  constructor(handler: DispatchHandler, core: DecisionCore, record: CallRecord) {
    this.#h = handler;
    this.#core = core;
    this.#record = record;
  }

  onConnect(abort: unknown, context?: unknown): unknown {
    return this.#h.onConnect?.(abort, context);
  }

  onBodySent(chunk: unknown): unknown {
    const r = this.#record;
    if (typeof chunk === "string") r.requestBytes += Buffer.byteLength(chunk);
    else if (chunk && typeof (chunk as Uint8Array).byteLength === "number")
      r.requestBytes += (chunk as Uint8Array).byteLength;
    r.requestBody?.add(chunk);
    return this.#h.onBodySent?.(chunk);
  }

  onRequestSent(): unknown {
    return this.#h.onRequestSent?.();
  }

  onResponseStarted(): unknown {
    return this.#h.onResponseStarted?.();
  }

  onHeaders(statusCode: number, rawHeaders: unknown, resume: unknown, statusText?: string): unknown {
    const r = this.#record;
    r.status = statusCode;
    if (r.responseBody) {
      r.responseContentType = headerValue(rawHeaders, "content-type");
      r.responseEncoding = headerValue(rawHeaders, "content-encoding");
    }
    return this.#h.onHeaders?.(statusCode, rawHeaders, resume, statusText);
  }

  onData(chunk: Uint8Array): unknown {
    this.#record.responseBytes += chunk.byteLength;
    this.#record.responseBody?.add(chunk);
    return this.#h.onData?.(chunk);
  }

  onComplete(trailers: unknown): unknown {
    finishSafely(this.#core, this.#record);
    return this.#h.onComplete?.(trailers);
  }

  onError(err: unknown): unknown {
    finishSafely(this.#core, this.#record, err);
    return this.#h.onError?.(err);
  }

  onUpgrade(statusCode: number, rawHeaders: unknown, socket: unknown): unknown {
    this.#record.status = statusCode;
    finishSafely(this.#core, this.#record);
    return this.#h.onUpgrade?.(statusCode, rawHeaders, socket);
  }
}

/**
 * The same for the controller-based callbacks of undici 7 (`onRequestStart`, `onResponseStart`, ...).
 * Not exercised by the tests on Node 20, where no undici 7 runs; kept to forward faithfully.
 */
export class ObservingControllerHandler {
  readonly #h: DispatchHandler;
  readonly #core: DecisionCore;
  readonly #record: CallRecord;

  constructor(handler: DispatchHandler, core: DecisionCore, record: CallRecord) {
    this.#h = handler;
    this.#core = core;
    this.#record = record;
  }

  onRequestStart(controller: unknown, context: unknown): unknown {
    return this.#h.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: unknown, statusCode: number, headers: unknown, socket: unknown): unknown {
    this.#record.status = statusCode;
    finishSafely(this.#core, this.#record);
    return this.#h.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: unknown,
    statusCode: number,
    headers: unknown,
    statusMessage?: string,
  ): unknown {
    const r = this.#record;
    r.status = statusCode;
    if (r.responseBody) {
      r.responseContentType = headerValue(headers, "content-type");
      r.responseEncoding = headerValue(headers, "content-encoding");
    }
    return this.#h.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: unknown, chunk: Uint8Array): unknown {
    this.#record.responseBytes += chunk.byteLength;
    this.#record.responseBody?.add(chunk);
    return this.#h.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: unknown, trailers: unknown): unknown {
    finishSafely(this.#core, this.#record);
    return this.#h.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: unknown, err: unknown): unknown {
    finishSafely(this.#core, this.#record, err);
    return this.#h.onResponseError?.(controller, err);
  }
}

/** True for a handler written against undici 7's controller API rather than the older callbacks. */
export function isControllerHandler(handler: DispatchHandler): boolean {
  return typeof handler.onHeaders !== "function" && typeof handler.onResponseStart === "function";
}

/** Fails a dispatch with `error` before anything is sent, in whichever API the handler speaks. */
export function failDispatch(handler: DispatchHandler, error: Error): false {
  if (isControllerHandler(handler)) {
    const controller = {
      aborted: true,
      paused: false,
      reason: error,
      abort() {},
      pause() {},
      resume() {},
    };
    handler.onResponseError?.(controller, error);
  } else {
    handler.onError?.(error);
  }
  return false;
}
