import type { Serialized } from "@langchain/core/load/serializable";
import type { LLMResult } from "@langchain/core/outputs";
import { type TokenUsage, usageOf } from "../shared/pricing.js";

type Bag = Record<string, unknown> | undefined;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const bag = (v: unknown): Bag => (v && typeof v === "object" ? (v as Record<string, unknown>) : undefined);

/** The last part of a serialized runnable's id: its class name. */
export function serializedName(s: Serialized | undefined): string | undefined {
  const id = (s as { id?: unknown } | undefined)?.id;
  return Array.isArray(id) ? str(id[id.length - 1]) : undefined;
}

/**
 * The model a chat model or LLM run calls. Provider integrations put it in the run's metadata
 * (`ls_model_name`, from `getLsParams`) and in the invocation parameters.
 */
export function modelOf(
  llm: Serialized,
  extraParams: Bag,
  metadata: Bag,
  runName: string | undefined,
): string {
  const params = bag(extraParams?.invocation_params);
  const kwargs = bag((llm as { kwargs?: unknown }).kwargs);
  return (
    str(metadata?.ls_model_name) ??
    str(params?.model) ??
    str(params?.model_name) ??
    str(params?.modelName) ??
    str(kwargs?.model) ??
    str(kwargs?.model_name) ??
    runName ??
    serializedName(llm) ??
    "unknown"
  );
}

/** The provider as LangChain's run metadata names it (`openai`, `anthropic`, ...). */
export function providerOf(metadata: Bag): string {
  return str(metadata?.ls_provider) ?? "unknown";
}

/**
 * Token counts of a finished run: the messages' `usage_metadata` (chat models), else the
 * provider's `llmOutput.tokenUsage` (older integrations and LLMs).
 */
export function usageOfResult(output: LLMResult | undefined): TokenUsage | undefined {
  if (!output) return undefined;
  let input = 0;
  let out = 0;
  let total = 0;
  let seen = false;
  for (const generations of output.generations ?? []) {
    for (const g of generations ?? []) {
      const u = bag(bag((g as { message?: unknown }).message)?.usage_metadata);
      if (!u) continue;
      seen = true;
      input += Number(u.input_tokens) || 0;
      out += Number(u.output_tokens) || 0;
      total += Number(u.total_tokens) || 0;
    }
  }
  if (seen) return usageOf(input, out, total || undefined);
  const t = bag(output.llmOutput?.tokenUsage) ?? bag(output.llmOutput?.token_usage);
  if (!t) return undefined;
  return usageOf(
    t.promptTokens ?? t.prompt_tokens ?? t.input_tokens,
    t.completionTokens ?? t.completion_tokens ?? t.output_tokens,
    t.totalTokens ?? t.total_tokens,
  );
}

/** A tool's input as LangChain hands it to callbacks (JSON text of the arguments, or a plain string). */
export function toolInput(input: string): unknown {
  if (typeof input !== "string") return input;
  const t = input.trimStart();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(input);
    } catch {}
  }
  return input;
}
