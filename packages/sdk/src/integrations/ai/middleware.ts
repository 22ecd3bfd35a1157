import type { LanguageModelMiddleware } from "ai";
import type { TruseraClient } from "../../client/client.js";
import type { PolicyViolationError } from "../../errors.js";
import type { Verdict } from "../../interceptor/call.js";
import { ActionGuard, type ActionRun, checkClient, resourceName } from "../shared/guard.js";
import { resolveIntegrationOptions } from "../shared/options.js";
import { type TokenUsage, usageOf } from "../shared/pricing.js";
import type { IntegrationOptions } from "../shared/types.js";

type WrapGenerate = NonNullable<LanguageModelMiddleware["wrapGenerate"]>;
type WrapStream = NonNullable<LanguageModelMiddleware["wrapStream"]>;
type Model = Parameters<WrapGenerate>[0]["model"];
type GenerateResult = Awaited<ReturnType<WrapGenerate>>;
type StreamResult = Awaited<ReturnType<WrapStream>>;
type StreamPart = StreamResult["stream"] extends ReadableStream<infer P> ? P : never;
type ToolCallPart = Extract<GenerateResult["content"][number], { type: "tool-call" }>;

const WHO = "truseraMiddleware";

/** `openai.chat` -> `openai`: the AI SDK names a provider with its API after a dot. */
const providerOf = (model: Model) => resourceName(String(model.provider ?? "").split(".")[0]);

function toolInput(input: unknown): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

/** A token count as AI SDK 5 gives it (a number) or 6 and 7 do (`{total, ...}`). */
const countOf = (c: unknown): unknown =>
  c !== null && typeof c === "object" ? (c as { total?: unknown }).total : c;

/** Usage of AI SDK 5 (`{inputTokens, outputTokens, totalTokens}`) or 6 and 7 (counts as objects, no total). */
function usage(u: unknown): TokenUsage {
  const o = (u ?? {}) as { inputTokens?: unknown; outputTokens?: unknown; totalTokens?: unknown };
  return usageOf(countOf(o.inputTokens), countOf(o.outputTokens), o.totalTokens);
}

/** `"stop"` from AI SDK 5's text or 6 and 7's `{unified, raw}`. */
function finishReasonOf(r: unknown): unknown {
  return r !== null && typeof r === "object" ? ((r as { unified?: unknown }).unified ?? null) : (r ?? null);
}

/**
 * A Vercel AI SDK (5, 6 and 7) language-model middleware: `wrapLanguageModel({ model, middleware })`. Every
 * model call is decided (`llm_invoke` on `Model::"<modelId>"`) before it is made and recorded with its
 * token usage, estimated cost and latency; every tool call the model returns is decided (`tool_call`)
 * and recorded before the AI SDK executes it.
 *
 * In `block` mode a denied model call is never made, and a response with a denied tool call never
 * reaches the AI SDK: `generateText` rejects with the `PolicyViolationError`, and a `streamText`
 * stream fails with it at that tool call, so no tool of that step runs. Tool calls the provider
 * executed itself (`providerExecuted`) are recorded with their decision but cannot be stopped.
 * HTTP the provider makes underneath stays covered by the `TruseraInterceptor`.
 *
 * @example
 * const model = wrapLanguageModel({ model: openai("gpt-4o"), middleware: truseraMiddleware(client, { enforcement: "block", cedarEvaluator }) });
 * await generateText({ model, tools, prompt });
 *
 * @throws ConfigurationError when `client` is not a TruseraClient or an option is wrong.
 */
export function truseraMiddleware(
  client: TruseraClient,
  options: IntegrationOptions = {},
): LanguageModelMiddleware {
  const guard = new ActionGuard(checkClient(WHO, client), resolveIntegrationOptions(WHO, options), "ai");

  const startModel = (model: Model): ActionRun =>
    guard.begin({ action: "llm_invoke", name: resourceName(model.modelId), provider: providerOf(model) });

  const toolCallOf = (part: ToolCallPart) =>
    ({ action: "tool_call", name: resourceName(part.toolName), input: toolInput(part.input) }) as const;

  /**
   * Records the tool calls of one response, decided already, and returns the error to stop the step
   * with when one is blocked. Then none is handed on (the others are recorded as `skipped`).
   */
  const recordTools = (decided: { part: ToolCallPart; verdict: Verdict }[]): PolicyViolationError | null => {
    // The provider ran its own tool calls already: their decision is recorded, nothing can be stopped.
    for (const d of decided) if (d.part.providerExecuted) d.verdict = { ...d.verdict, blocked: false };
    const stopping = decided.some((d) => d.verdict.blocked);
    let first: PolicyViolationError | null = null;
    for (const { part, verdict } of decided) {
      const extra: Record<string, unknown> = { tool_call_id: part.toolCallId };
      if (part.providerExecuted) extra.provider_executed = true;
      const run = guard.begin(toolCallOf(part), verdict, extra);
      run.end({ status: stopping && !part.providerExecuted ? "skipped" : "requested" });
      first ??= run.blocked;
    }
    return first;
  };

  const decideTools = (parts: ToolCallPart[]) =>
    parts.map((part) => ({ part, verdict: guard.decide(toolCallOf(part)) }));

  const wrapGenerate: WrapGenerate = async ({ doGenerate, model }) => {
    const run = startModel(model);
    if (run.blocked) throw run.blocked;
    let result: GenerateResult;
    try {
      result = await doGenerate();
    } catch (err) {
      run.end({ error: err });
      throw err;
    }
    run.end({ usage: usage(result.usage), payload: { finish_reason: finishReasonOf(result.finishReason) } });
    // Every tool call is decided before any is handed on: a response with a blocked call is stopped
    // whole, and its event trail shows all of its calls.
    const calls = result.content.filter((p): p is ToolCallPart => p.type === "tool-call");
    const blocked = recordTools(decideTools(calls));
    if (blocked) throw blocked;
    return result;
  };

  const wrapStream: WrapStream = async ({ doStream, model }) => {
    const run = startModel(model);
    if (run.blocked) throw run.blocked;
    let result: StreamResult;
    try {
      result = await doStream();
    } catch (err) {
      run.end({ error: err });
      throw err;
    }
    let used: TokenUsage | undefined;
    let finishReason: unknown;
    let failure: unknown;
    const watch = new TransformStream<StreamPart, StreamPart>({
      transform(part, controller) {
        try {
          if (part.type === "tool-call") {
            // Streamed calls are handed on one by one (streamText runs each on sight).
            const blocked = recordTools(decideTools([part]));
            if (blocked) {
              // The tool call never reaches the AI SDK, which would execute it on sight. The model
              // call itself went through: its event is recorded without an error.
              run.end({ usage: used, payload: { finish_reason: null } });
              controller.error(blocked);
              return;
            }
          } else if (part.type === "finish") {
            used = usage(part.usage);
            finishReason = part.finishReason;
          } else if (part.type === "error") {
            failure = part.error;
          }
        } catch (err) {
          guard.logger.debug(`${WHO}: ${String(err)}`);
        }
        controller.enqueue(part);
      },
      flush() {
        run.end({ usage: used, error: failure, payload: { finish_reason: finishReasonOf(finishReason) } });
      },
    });
    return { ...result, stream: result.stream.pipeThrough(watch) };
  };

  return { middlewareVersion: "v2", wrapGenerate, wrapStream };
}
