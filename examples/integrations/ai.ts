// Vercel AI SDK: a language-model middleware that decides and records every model call and every tool
// call the model asks for; in block mode a forbidden tool call stops generateText before it runs.
//   TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 npx tsx examples/integrations/ai.ts
// Offline: the model is the AI SDK's own mock (ai-mock-model.ts; replace it with `openai("gpt-4o")`).
// Runs on ai 5, 6 and 7.
import { generateText, stepCountIs, tool, wrapLanguageModel } from "ai";
import { CedarEvaluator, PolicyViolationError, TruseraClient } from "trusera-sdk";
import { truseraMiddleware } from "trusera-sdk/ai";
import { z } from "zod";
import { mockModel } from "./ai-mock-model.js";

const client = new TruseraClient({ agentId: "ai-sdk-example" });
const cedarEvaluator = new CedarEvaluator();
await cedarEvaluator.loadPolicy(`
@id("no-etc")
forbid (principal, action == Action::"tool_call", resource == Tool::"read_file")
when { resource.hasTag("path") && resource.getTag("path") like "/etc/*" };
`);

const tools = {
  read_file: tool({
    description: "Reads a file",
    inputSchema: z.object({ path: z.string() }),
    execute: async ({ path }) => {
      console.log(`read_file ran on ${path}`);
      return `contents of ${path}`;
    },
  }),
};
/** A mock model that asks to read `path`, then answers. */
const modelReading = (path: string) =>
  wrapLanguageModel({
    model: mockModel("gpt-4o", [
      {
        content: [
          { type: "tool-call", toolCallId: "c1", toolName: "read_file", input: JSON.stringify({ path }) },
        ],
        finishReason: "tool-calls",
      },
      { content: [{ type: "text", text: `Read ${path}.` }], finishReason: "stop" },
    ]),
    middleware: truseraMiddleware(client, { enforcement: "block", cedarEvaluator }),
  });

const ok = await generateText({
  model: modelReading("/tmp/notes.txt"),
  tools,
  prompt: "x",
  stopWhen: stepCountIs(3),
});
console.log(`allowed: ${ok.text}`);
try {
  await generateText({ model: modelReading("/etc/passwd"), tools, prompt: "x", stopWhen: stepCountIs(3) });
} catch (err) {
  if (!(err instanceof PolicyViolationError)) throw err;
  console.log(`blocked: ${err.message}`);
}

await client.close();
console.log(`tracked ${client.stats.tracked} event(s), delivered ${client.stats.sent}`);
