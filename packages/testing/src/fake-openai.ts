import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted answer: text, or tool calls (name and arguments object), with token counts. */
export interface FakeOpenAIReply {
  content?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:<port>/v1`: the `baseURL` of an OpenAI client. */
  baseURL: string;
  /** The bodies of the requests received, parsed. */
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * An OpenAI-compatible server on a loopback port: `POST /v1/chat/completions` (and, text only,
 * `POST /v1/responses`) answers the scripted replies in turn (the last one again once they run out), as JSON, or as server-sent events when the
 * request asks for `stream: true` (with a usage chunk when `stream_options.include_usage` is set).
 */
export async function startFakeOpenAI(replies: FakeOpenAIReply[]): Promise<FakeOpenAI> {
  const requests: Record<string, unknown>[] = [];
  let turn = 0;
  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    if (req.method === "POST" && req.url === "/v1/responses") {
      // The Responses API, text only: enough to see a model call and its usage.
      const body = JSON.parse(text) as Record<string, unknown>;
      requests.push(body);
      const reply = replies[Math.min(turn++, replies.length - 1)] ?? { content: "" };
      const usage = reply.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
      const output = [
        {
          type: "message",
          id: `msg_${turn}`,
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: reply.content ?? "", annotations: [] }],
        },
      ];
      const answer = JSON.stringify({
        id: `resp_${turn}`,
        object: "response",
        created_at: 1_700_000_000,
        status: "completed",
        model: body.model,
        output,
        usage: {
          input_tokens: usage.prompt_tokens,
          output_tokens: usage.completion_tokens,
          total_tokens: usage.prompt_tokens + usage.completion_tokens,
        },
      });
      res.writeHead(200, { "content-type": "application/json" }).end(answer);
      return;
    }
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(text) as Record<string, unknown>;
    requests.push(body);
    const reply = replies[Math.min(turn++, replies.length - 1)] ?? { content: "" };
    const usage = reply.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
    const toolCalls = reply.toolCalls?.map((c, i) => ({
      id: `call_${turn}_${i}`,
      type: "function",
      function: { name: c.name, arguments: JSON.stringify(c.arguments) },
    }));
    const message = {
      role: "assistant",
      content: reply.content ?? null,
      ...(toolCalls ? { tool_calls: toolCalls } : {}),
    };
    const finish = toolCalls ? "tool_calls" : "stop";
    const base = { id: `chatcmpl-${turn}`, created: 1_700_000_000, model: body.model };
    const totals = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
    if (body.stream === true) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      const delta = toolCalls
        ? { role: "assistant", tool_calls: toolCalls.map((c, index) => ({ index, ...c })) }
        : { role: "assistant", content: reply.content ?? "" };
      send({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: null }] });
      send({
        ...base,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: {}, finish_reason: finish }],
      });
      if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage)
        send({ ...base, object: "chat.completion.chunk", choices: [], usage: totals });
      res.end("data: [DONE]\n\n");
      return;
    }
    const out = JSON.stringify({
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
      usage: totals,
    });
    res.writeHead(200, { "content-type": "application/json", "x-request-id": `req_${turn}` }).end(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
