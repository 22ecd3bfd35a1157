import { ConfigurationError } from "@trusera/core";
import type { TruseraClient } from "../../client/client.js";
import type { Verdict } from "../../interceptor/call.js";
import { ActionGuard, checkClient, type GuardedCall, resourceName } from "../shared/guard.js";
import { resolveIntegrationOptions } from "../shared/options.js";
import type { IntegrationOptions } from "../shared/types.js";
import { isStream, observeBody, observeStream } from "./observe.js";
import type {
  GuardedTools,
  OpenAILike,
  OpenAIToolCall,
  ToolCallInfo,
  ToolFunction,
  ToolMap,
  ToolResultMessage,
} from "./types.js";

const WHO = "TruseraOpenAI";
// The original `create` of a wrapped resource, and the original function of a guarded tool.
const ORIGINAL = Symbol.for("trusera.openai.original");

// biome-ignore lint/suspicious/noExplicitAny: the SDK's create() overloads; only forwarded.
type Create = (...args: any[]) => any;
type Wrapped = { [ORIGINAL]?: Create | ToolFunction };

/** A model's tool arguments: the parsed JSON, or the text itself when the model sent invalid JSON. */
function parseArguments(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function content(output: unknown): string {
  if (typeof output === "string") return output;
  if (output === undefined) return "";
  return JSON.stringify(output) ?? String(output);
}

/**
 * Governs an application built on the OpenAI Node SDK: `wrap(openai)` decides and records every
 * model call (`llm_invoke`, with token usage, estimated cost and latency), and the tool helpers decide
 * every tool call the model returns (`tool_call` on `Tool::"<name>"`, the arguments as tags) before the
 * application's function runs.
 *
 * In `block` mode a denied model call is never sent (`create` rejects with `PolicyViolationError`),
 * and a denied tool is never run (its guarded function rejects; `runToolCalls` rejects before it runs
 * any of the calls).
 *
 * @example
 * const trusera = new TruseraOpenAI(client, { enforcement: "block", cedarEvaluator });
 * const openai = trusera.wrap(new OpenAI());
 * const completion = await openai.chat.completions.create({ model, messages, tools: schemas });
 * const message = completion.choices[0].message;
 * messages.push(message, ...(await trusera.runToolCalls(message.tool_calls, { get_weather, send_email })));
 *
 * @throws ConfigurationError when `client` is not a TruseraClient or an option is wrong.
 */
export class TruseraOpenAI {
  readonly #guard: ActionGuard;

  constructor(client: TruseraClient, options: IntegrationOptions = {}) {
    this.#guard = new ActionGuard(
      checkClient(WHO, client),
      resolveIntegrationOptions(WHO, options),
      "openai",
    );
  }

  /**
   * Instruments `chat.completions.create` and `responses.create` of this client instance (wrapping
   * again replaces the previous wrapper; other clients are untouched) and returns the same instance.
   * Streams are recorded when read to their end.
   * @throws ConfigurationError when `openai` has no `chat.completions.create`.
   */
  wrap<T extends OpenAILike>(openai: T): T {
    const resources = [openai?.chat?.completions, openai?.responses].filter(
      (r): r is { create: Create } => typeof r?.create === "function",
    );
    if (!openai?.chat?.completions || resources.length === 0)
      throw new ConfigurationError(`${WHO}.wrap needs an OpenAI client (with chat.completions.create)`);
    for (const resource of resources) {
      const original = ((resource.create as Wrapped)[ORIGINAL] as Create | undefined) ?? resource.create;
      const guard = this.#guard;
      const create: Create = (body, ...rest) => guardedCreate(guard, resource, original, body, rest);
      Object.defineProperty(create, ORIGINAL, { value: original });
      Object.defineProperty(resource, "create", { value: create, configurable: true, writable: true });
    }
    return openai;
  }

  /**
   * The same tools, each decided by policy when called (a `tool_call` event per call, with its
   * duration and outcome). A denied tool in block mode is not run: its function rejects with
   * `PolicyViolationError`. Guarded functions always return a promise.
   * @throws ConfigurationError when a value of the map is not a function.
   */
  wrapTools<M extends ToolMap>(tools: M): GuardedTools<M> {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(tools ?? {})) {
      if (typeof fn !== "function")
        throw new ConfigurationError(`${WHO}.wrapTools: tools.${name} is not a function`);
      const original = ((fn as Wrapped)[ORIGINAL] as ToolFunction | undefined) ?? fn;
      // biome-ignore lint/suspicious/noExplicitAny: forwarded as the application called it.
      const guarded = (args: unknown, ...rest: any[]) =>
        this.#run({ action: "tool_call", name, input: args }, () =>
          original(args, ...(rest as [ToolCallInfo])),
        );
      Object.defineProperty(guarded, ORIGINAL, { value: original });
      out[name] = guarded;
    }
    return out as GuardedTools<M>;
  }

  /**
   * Runs the tool calls of a chat completion message with `tools` (plain or from `wrapTools`) and
   * returns the `tool` messages to send back. Every call is decided first: in block mode, if any is
   * denied, none runs and this rejects with the `PolicyViolationError` of the first. The others run
   * one after another; a call of a tool the map lacks gets an error message for the model. An error
   * thrown by a tool rejects this, as the tool threw it.
   */
  async runToolCalls(
    toolCalls: readonly OpenAIToolCall[] | null | undefined,
    tools: ToolMap,
  ): Promise<ToolResultMessage[]> {
    const calls = (toolCalls ?? []).filter((c) => typeof c?.function?.name === "string");
    const decided = calls.map((c) => {
      const args = parseArguments(c.function.arguments);
      const call: GuardedCall = { action: "tool_call", name: resourceName(c.function.name), input: args };
      return { c, args, call, verdict: this.#guard.decide(call) };
    });
    if (decided.some((d) => d.verdict.blocked)) {
      let first: Error | null = null;
      for (const d of decided) {
        const run = this.#guard.begin(d.call, d.verdict, { tool_call_id: d.c.id });
        run.end({ status: "skipped" });
        first ??= run.blocked;
      }
      throw first;
    }
    const messages: ToolResultMessage[] = [];
    for (const d of decided) {
      const name = d.c.function.name;
      const fn = Object.hasOwn(tools ?? {}, name) ? tools[name] : undefined;
      const original = ((fn as Wrapped | undefined)?.[ORIGINAL] as ToolFunction | undefined) ?? fn;
      if (typeof original !== "function") {
        const missing = `no tool named ${JSON.stringify(name)}`;
        this.#guard.begin(d.call, d.verdict, { tool_call_id: d.c.id }).end({ error: missing });
        messages.push({ role: "tool", tool_call_id: d.c.id, content: `Error: ${missing}` });
        continue;
      }
      const output = await this.#run(d.call, () => original(d.args, { id: d.c.id, name }), d.verdict, {
        tool_call_id: d.c.id,
      });
      messages.push({ role: "tool", tool_call_id: d.c.id, content: content(output) });
    }
    return messages;
  }

  async #run<T>(
    call: GuardedCall,
    fn: () => T,
    verdict?: Verdict,
    extra?: Record<string, unknown>,
  ): Promise<Awaited<T>> {
    const run = this.#guard.begin(call, verdict, extra);
    if (run.blocked) throw run.blocked;
    try {
      const output = await fn();
      run.end();
      return output;
    } catch (err) {
      run.end({ error: err });
      throw err;
    }
  }
}

/**
 * One `create` call: decided before it is sent, recorded when its answer is read. The SDK's
 * `APIPromise` is kept (its `withResponse()` and `asResponse()` still work): the answer is observed
 * through `_thenUnwrap`, the transform the SDK itself uses, and failures through `asResponse()`,
 * which does not read the body.
 */
function guardedCreate(
  guard: ActionGuard,
  resource: unknown,
  original: Create,
  // biome-ignore lint/suspicious/noExplicitAny: the request body, whatever the SDK accepts.
  body: any,
  rest: unknown[],
): unknown {
  const run = guard.begin({ action: "llm_invoke", name: resourceName(body?.model), provider: "openai" });
  if (run.blocked) return Promise.reject(run.blocked);
  let answer: unknown;
  try {
    answer = original.call(resource, body, ...rest);
  } catch (err) {
    run.end({ error: err });
    throw err;
  }
  const observe = (data: unknown) => {
    try {
      if (isStream(data)) observeStream(data, run);
      else observeBody(data, run);
    } catch (err) {
      guard.logger.debug(`${WHO}: ${String(err)}`);
      run.end();
    }
    return data;
  };
  const api = answer as { _thenUnwrap?: unknown; asResponse?: unknown } | null;
  if (typeof api?._thenUnwrap === "function" && typeof api.asResponse === "function") {
    (api.asResponse as () => Promise<unknown>)().then(undefined, (err: unknown) => run.end({ error: err }));
    return (api._thenUnwrap as (fn: (d: unknown) => unknown) => unknown).call(api, observe);
  }
  return Promise.resolve(answer).then(observe, (err: unknown) => {
    run.end({ error: err });
    throw err;
  });
}
