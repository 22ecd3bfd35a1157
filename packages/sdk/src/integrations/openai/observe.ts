import type { ActionRun } from "../shared/guard.js";
import { type TokenUsage, usageOf } from "../shared/pricing.js";

type Bag = Record<string, unknown>;
const bag = (v: unknown): Bag | undefined => (v && typeof v === "object" ? (v as Bag) : undefined);

/** Usage of a chat completion (`prompt_tokens`...) or of a Responses API response (`input_tokens`...). */
export function usageOfBody(body: unknown): TokenUsage | undefined {
  const u = bag(bag(body)?.usage);
  if (!u) return undefined;
  return usageOf(u.prompt_tokens ?? u.input_tokens, u.completion_tokens ?? u.output_tokens, u.total_tokens);
}

/** Finish reason and number of tool calls of a completion or a response, for the event. */
export function summaryOf(body: unknown): Record<string, unknown> {
  const b = bag(body);
  const choice = bag((b?.choices as unknown[] | undefined)?.[0]);
  if (choice) {
    const calls = bag(choice.message)?.tool_calls;
    return {
      finish_reason: choice.finish_reason ?? null,
      tool_calls: Array.isArray(calls) ? calls.length : 0,
    };
  }
  if (Array.isArray(b?.output)) {
    const calls = (b.output as unknown[]).filter((o) => bag(o)?.type === "function_call").length;
    return { finish_reason: b.status ?? null, tool_calls: calls };
  }
  return {};
}

/** The usage a stream item carries: the last chat chunk (with `include_usage`), or `response.completed`. */
function usageOfItem(item: unknown): TokenUsage | undefined {
  const i = bag(item);
  return usageOfBody(i) ?? usageOfBody(i?.response);
}

/**
 * Records the model call when a streamed answer has been read to its end (or fails, or is left
 * early), with the usage its chunks carried. Only iteration is observed: `tee()` is not.
 */
export function observeStream(stream: AsyncIterable<unknown>, run: ActionRun): void {
  const iterate = stream[Symbol.asyncIterator].bind(stream);
  Object.defineProperty(stream, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    value: (): AsyncIterator<unknown> => {
      const it = iterate();
      let usage: TokenUsage | undefined;
      return {
        async next() {
          try {
            const r = await it.next();
            if (r.done) run.end({ usage });
            else usage = usageOfItem(r.value) ?? usage;
            return r;
          } catch (err) {
            run.end({ usage, error: err });
            throw err;
          }
        },
        async return(value?: unknown) {
          run.end({ usage });
          return it.return ? it.return(value) : { done: true, value };
        },
      };
    },
  });
}

/** True for the SDK's `Stream` (what `create({ stream: true })` resolves to). */
export function isStream(value: unknown): value is AsyncIterable<unknown> {
  const v = value as { [Symbol.asyncIterator]?: unknown } | null | undefined;
  return typeof v?.[Symbol.asyncIterator] === "function" && !("choices" in v);
}

/** Records a finished (non-streamed) answer. */
export function observeBody(body: unknown, run: ActionRun): void {
  run.end({ usage: usageOfBody(body), payload: summaryOf(body) });
}
