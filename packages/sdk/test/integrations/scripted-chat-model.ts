import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

/**
 * A real LangChain chat model (a BaseChatModel subclass) that answers from a script, one AIMessage
 * per call, with tool calls and token usage as a provider would report them. LangChain's own fakes
 * cannot script tool calls turn by turn (FakeStreamingChatModel repeats the same ones forever).
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly replies: AIMessage[];
  readonly modelName: string;
  /** The messages of every call the model actually served. */
  readonly calls: BaseMessage[][] = [];

  constructor(modelName: string, replies: AIMessage[], params: BaseChatModelParams = {}) {
    super(params);
    this.modelName = modelName;
    this.replies = replies;
  }

  _llmType(): string {
    return "scripted";
  }

  // Provider integrations report their model and provider this way (ChatOpenAI: "openai", "gpt-4o").
  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ...super.getLsParams(options), ls_provider: "openai", ls_model_name: this.modelName };
  }

  // createAgent binds the tools; the script already says which ones are called.
  override bindTools(): this {
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.calls.push(messages);
    const reply = this.replies[Math.min(this.calls.length - 1, this.replies.length - 1)]!;
    return {
      generations: [{ text: typeof reply.content === "string" ? reply.content : "", message: reply }],
    };
  }
}

/** An AIMessage calling `tools` (name and args), with token usage. */
export function toolCalls(
  calls: [string, Record<string, unknown>][],
  usage = { input: 100, output: 20 },
): AIMessage {
  return new AIMessage({
    content: "",
    tool_calls: calls.map(([name, args], i) => ({ name, args, id: `call_${name}_${i}`, type: "tool_call" })),
    usage_metadata: {
      input_tokens: usage.input,
      output_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    },
  });
}

/** A final AIMessage with text and token usage. */
export function answer(text: string, usage = { input: 150, output: 10 }): AIMessage {
  return new AIMessage({
    content: text,
    usage_metadata: {
      input_tokens: usage.input,
      output_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    },
  });
}
