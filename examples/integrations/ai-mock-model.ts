// The offline stand-in for a provider model in examples/integrations/ai.ts: the AI SDK's own mock, in
// the spec version of the installed `ai` (5: V2, 6: V3, 7: V4), with that version's shapes of usage
// (from 6 on, token counts are objects) and finish reasons (from 6 on, `{unified, raw}`).

import type { MockLanguageModelV2 } from "ai/test";
import * as aiTest from "ai/test";

type Reply = { content: unknown[]; finishReason: "stop" | "tool-calls" };

export function mockModel(modelId: string, replies: Reply[], tokens = { input: 800, output: 60 }) {
  // One namespace import: ai 6 and 7 no longer export MockLanguageModelV2, ai 5 has no later one.
  const mocks = aiTest as unknown as Record<string, (new (o: object) => MockLanguageModelV2) | undefined>;
  const Mock = mocks.MockLanguageModelV4 ?? mocks.MockLanguageModelV3;
  if (!Mock) {
    const usage = {
      inputTokens: tokens.input,
      outputTokens: tokens.output,
      totalTokens: tokens.input + tokens.output,
    };
    return new aiTest.MockLanguageModelV2({
      provider: "openai.chat",
      modelId,
      doGenerate: replies.map((r) => ({ ...r, usage, warnings: [] })) as never,
    });
  }
  const usage = {
    inputTokens: { total: tokens.input, noCache: tokens.input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: tokens.output, text: tokens.output, reasoning: 0 },
  };
  return new Mock({
    provider: "openai.chat",
    modelId,
    doGenerate: replies.map((r) => ({
      content: r.content,
      finishReason: { unified: r.finishReason, raw: r.finishReason },
      usage,
      warnings: [],
    })),
  });
}
