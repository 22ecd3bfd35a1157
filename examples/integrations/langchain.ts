// LangChain.js: an agent (langchain's createAgent) whose model calls, tool calls and steps are
// decided by Cedar and recorded, with a tool it may not use blocked before it runs.
//   TRUSERA_API_KEY=tsk_... TRUSERA_API_URL=http://127.0.0.1:7780 npx tsx examples/integrations/langchain.ts
// Offline: the model is a scripted LangChain chat model (replace it with `new ChatOpenAI(...)`).
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { CedarEvaluator, TruseraClient } from "trusera-sdk";
import { TruseraLangChainHandler } from "trusera-sdk/langchain";
import { z } from "zod";

/** A stand-in for a provider's chat model: it asks for two tools, then answers. */
class ScriptedModel extends BaseChatModel {
  #turn = 0;
  _llmType() {
    return "scripted";
  }
  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ...super.getLsParams(options), ls_provider: "openai", ls_model_name: "gpt-4o-mini" };
  }
  override bindTools() {
    return this;
  }
  async _generate(_messages: BaseMessage[]): Promise<ChatResult> {
    const usage_metadata = { input_tokens: 120, output_tokens: 30, total_tokens: 150 };
    const message =
      this.#turn++ === 0
        ? new AIMessage({
            content: "",
            usage_metadata,
            tool_calls: [
              { name: "read_file", args: { path: "/tmp/notes.txt" }, id: "call_1", type: "tool_call" },
              { name: "delete_file", args: { path: "/tmp/notes.txt" }, id: "call_2", type: "tool_call" },
            ],
          })
        : new AIMessage({ content: "I read the notes; deleting them was not allowed.", usage_metadata });
    return { generations: [{ text: String(message.content), message }] };
  }
}

const readFile = tool(async ({ path }) => `contents of ${path}`, {
  name: "read_file",
  description: "Reads a file",
  schema: z.object({ path: z.string() }),
});
const deleteFile = tool(
  async ({ path }) => {
    console.log(`delete_file ran on ${path}`); // never printed: the policy forbids it
    return `deleted ${path}`;
  },
  { name: "delete_file", description: "Deletes a file", schema: z.object({ path: z.string() }) },
);

const client = new TruseraClient({ agentId: "langchain-example" });
const cedarEvaluator = new CedarEvaluator();
await cedarEvaluator.loadPolicy(`
@id("no-delete")
forbid (principal, action == Action::"tool_call", resource == Tool::"delete_file");
`);
const handler = new TruseraLangChainHandler(client, { enforcement: "block", cedarEvaluator });

const agent = createAgent({ model: new ScriptedModel({}), tools: [readFile, deleteFile] });
const result = await agent.invoke(
  { messages: [{ role: "user", content: "Read my notes, then delete them." }] },
  { callbacks: [handler] },
);
for (const m of result.messages) {
  if (m instanceof ToolMessage) console.log(`${m.name}: ${String(m.content).split("\n")[0]}`);
}
console.log(`agent: ${result.messages.at(-1)?.content}`);

await client.close();
console.log(`tracked ${client.stats.tracked} event(s), delivered ${client.stats.sent}`);
