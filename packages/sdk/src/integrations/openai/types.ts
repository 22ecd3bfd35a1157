/** A tool call as the OpenAI SDK returns it in a chat completion's `message.tool_calls`. */
export interface OpenAIToolCall {
  id: string;
  type?: string;
  function: { name: string; arguments: string };
}

/** What a tool function gets besides its parsed arguments when `runToolCalls` runs it. */
export interface ToolCallInfo {
  /** The tool call's id (`call_...`). */
  id: string;
  name: string;
}

/** A tool of the application: parsed arguments in, anything out (strings are sent as they are, the rest as JSON). */
// biome-ignore lint/suspicious/noExplicitAny: tool arguments are whatever the model sent; each tool checks its own.
export type ToolFunction = (args: any, call: ToolCallInfo) => unknown;

/** Tools by the name the model calls them. */
export type ToolMap = Record<string, ToolFunction>;

/** The same tools, each decided by policy before it runs; each returns a promise. */
export type GuardedTools<M extends ToolMap> = {
  [K in keyof M]: (...args: Parameters<M[K]>) => Promise<Awaited<ReturnType<M[K]>>>;
};

/** A chat message with a tool's result, ready to append to `messages`. */
export interface ToolResultMessage {
  role: "tool";
  tool_call_id: string;
  content: string;
}

/** The parts of an OpenAI client `wrap` instruments (openai v6; structurally, so no import of it). */
export interface OpenAILike {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's overloads differ by version; only the call is wrapped.
  chat: { completions: { create: (...args: any[]) => any } };
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  responses?: { create: (...args: any[]) => any };
}
